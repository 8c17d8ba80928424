import { deciderSpecification } from '@rapport/testing';
import type { CustomerState } from '../customer/customer.decider';
import { replay } from '../shared/decider';
import { DomainError } from '../shared/domain-error';
import type { PlanCampaign, RecordCampaignResponse } from './campaign.commands';
import { campaignDecider, requireAttributableCampaign } from './campaign.decider';
import type { CampaignEvent, CampaignPlanned } from './campaign.events';
import {
  decideCampaignMembers,
  decideCampaignResponseWithCustomer,
  memberEligibility,
} from './campaign-with-customers.decider';

const spec = deciderSpecification(campaignDecider);
const now = '2026-03-10T10:00:00.000Z';
const campaignId = 'cmp-1';
/** During the campaign. */
const later = '2026-03-18T10:00:00.000Z';

const plan = (data: Partial<PlanCampaign['data']> = {}): PlanCampaign => ({
  type: 'PlanCampaign',
  now,
  data: {
    campaignId,
    name: 'Spring newsletter',
    channel: 'email',
    startsAt: '2026-03-15T00:00:00.000Z',
    ...data,
  },
});

const planned: CampaignPlanned = {
  type: 'CampaignPlanned',
  schemaVersion: 1,
  data: {
    campaignId,
    name: 'Spring newsletter',
    channel: 'email',
    startsAt: '2026-03-15T00:00:00.000Z',
    budget: { amount: 5000, currency: 'EUR' },
    purpose: 'marketing',
    plannedAt: now,
  },
};
const launched: CampaignEvent = {
  type: 'CampaignLaunched',
  schemaVersion: 1,
  data: { campaignId, launchedAt: '2026-03-15T08:00:00.000Z' },
};
const closed: CampaignEvent = {
  type: 'CampaignClosed',
  schemaVersion: 1,
  data: { campaignId, closedAt: '2026-04-01T00:00:00.000Z' },
};
const members = (...customerIds: string[]): CampaignEvent => ({
  type: 'CampaignMembersAdded',
  schemaVersion: 1,
  data: { campaignId, customerIds, skipped: [], addedAt: '2026-03-14T00:00:00.000Z' },
});

const respond = (
  data: Partial<RecordCampaignResponse['data']> = {},
  at = later,
): RecordCampaignResponse => ({
  type: 'RecordCampaignResponse',
  now: at,
  data: { campaignId, customerId: 'c-1', response: 'opened', graceDays: 14, ...data },
});

const withConsent = (consents: Record<string, boolean>): CustomerState => ({
  status: 'lead',
  customerId: 'c-1',
  consents,
});

describe('campaign decider', () => {
  describe('planning', () => {
    it('plans a campaign for the marketing purpose unless another is named', () => {
      spec
        .given([])
        .when(plan({ budget: { amount: 5000, currency: 'EUR' } }))
        .then([planned]);
      const [event] = campaignDecider.decide(plan({ purpose: 'newsletter' }), { status: 'none' });
      expect(event).toMatchObject({ data: { purpose: 'newsletter' } });
    });

    it('refuses a second campaign with the same id, an end before the start, a bad budget', () => {
      spec.given([planned]).when(plan()).thenFails('CAMPAIGN_ALREADY_EXISTS', 'conflict');
      spec
        .given([])
        .when(plan({ endsAt: '2026-03-01T00:00:00.000Z' }))
        .thenFails('INVALID_PERIOD', 'invalid');
      spec
        .given([])
        .when(plan({ budget: { amount: 10, currency: 'XXX' } }))
        .thenFails('INVALID_CURRENCY', 'invalid');
      spec
        .given([])
        .when(plan({ name: '  ' }))
        .thenFails('REQUIRED_FIELD', 'invalid');
    });
  });

  describe('launch and close', () => {
    const launch = { type: 'LaunchCampaign' as const, now, data: { campaignId } };
    const close = { type: 'CloseCampaign' as const, now, data: { campaignId } };

    it('launches a planned campaign once', () => {
      spec
        .given([planned])
        .when(launch)
        .then([
          { type: 'CampaignLaunched', schemaVersion: 1, data: { campaignId, launchedAt: now } },
        ]);
      spec
        .given([planned, launched])
        .when(launch)
        .thenFails('CAMPAIGN_ALREADY_LAUNCHED', 'conflict');
      spec.given([planned, launched, closed]).when(launch).thenFails('CAMPAIGN_CLOSED', 'conflict');
      spec.given([]).when(launch).thenFails('CAMPAIGN_NOT_FOUND', 'not-found');
    });

    it('closes a launched campaign once, never one that was not launched', () => {
      spec
        .given([planned, launched])
        .when(close)
        .then([{ type: 'CampaignClosed', schemaVersion: 1, data: { campaignId, closedAt: now } }]);
      spec.given([planned]).when(close).thenFails('CAMPAIGN_NOT_LAUNCHED', 'conflict');
      spec
        .given([planned, launched, closed])
        .when(close)
        .thenFails('CAMPAIGN_ALREADY_CLOSED', 'conflict');
    });
  });

  describe('costs', () => {
    const cost = (amount: number, currency: string) => ({
      type: 'RecordCampaignCost' as const,
      now,
      data: { campaignId, amount, currency, note: 'print run' },
    });

    it("records costs in the budget's currency, refuses another", () => {
      spec
        .given([planned])
        .when(cost(1200.5, 'EUR'))
        .then([
          {
            type: 'CampaignCostRecorded',
            schemaVersion: 1,
            data: { campaignId, amount: 1200.5, currency: 'EUR', note: 'print run', at: now },
          },
        ]);
      spec.given([planned]).when(cost(100, 'USD')).thenFails('COST_CURRENCY_MISMATCH', 'invalid');
    });

    it('without a budget, the first cost sets the currency of the others', () => {
      const unbudgeted: CampaignPlanned = {
        ...planned,
        data: { ...planned.data, budget: undefined },
      };
      delete unbudgeted.data.budget;
      const first: CampaignEvent = {
        type: 'CampaignCostRecorded',
        schemaVersion: 1,
        data: { campaignId, amount: 10, currency: 'USD', at: now },
      };
      spec.given([unbudgeted, first]).when(cost(5, 'EUR')).thenFails('COST_CURRENCY_MISMATCH');
      spec
        .given([unbudgeted])
        .when(cost(5, 'EUR'))
        .then([
          {
            type: 'CampaignCostRecorded',
            schemaVersion: 1,
            data: { campaignId, amount: 5, currency: 'EUR', note: 'print run', at: now },
          },
        ]);
      spec.given([]).when(cost(5, 'EUR')).thenFails('CAMPAIGN_NOT_FOUND', 'not-found');
      spec.given([planned]).when(cost(0, 'EUR')).thenFails('INVALID_AMOUNT', 'invalid');
    });
  });

  describe('members', () => {
    const customers = new Map<string, CustomerState>([
      ['granted', { status: 'lead', customerId: 'granted', consents: { marketing: true } }],
      ['revoked', { status: 'customer', customerId: 'revoked', consents: { marketing: false } }],
      ['silent', { status: 'lead', customerId: 'silent', consents: { profiling: true } }],
      ['gone', { status: 'erased', customerId: 'gone' }],
      ['member', { status: 'lead', customerId: 'member', consents: { marketing: true } }],
    ]);
    const add = (customerIds: string[]) => ({ now, campaignId, customerIds });

    it('adds only clients whose latest decision for the purpose is a grant, and says why not the others', () => {
      const state = replay(campaignDecider, [planned, members('member')]);
      const events = decideCampaignMembers(
        add(['granted', 'revoked', 'silent', 'gone', 'nobody', 'member', 'granted']),
        state,
        customers,
      );
      expect(events).toEqual([
        {
          type: 'CampaignMembersAdded',
          schemaVersion: 1,
          data: {
            campaignId,
            customerIds: ['granted'],
            skipped: [
              { customerId: 'revoked', reason: 'consent-revoked' },
              { customerId: 'silent', reason: 'no-consent' },
              { customerId: 'gone', reason: 'erased' },
              { customerId: 'nobody', reason: 'unknown' },
              { customerId: 'member', reason: 'already-member' },
              { customerId: 'granted', reason: 'duplicate' },
            ],
            addedAt: now,
          },
        },
      ]);
    });

    it('refuses a batch where nobody can join, listing why', () => {
      const state = replay(campaignDecider, [planned]);
      let caught: unknown;
      try {
        decideCampaignMembers(add(['revoked', 'gone']), state, customers);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(DomainError);
      expect(caught).toMatchObject({
        code: 'NO_ELIGIBLE_MEMBERS',
        details: { skipped: [{ reason: 'consent-revoked' }, { reason: 'erased' }] },
      });
    });

    it('takes no members into a closed campaign, nor an empty or oversized batch', () => {
      const closedState = replay(campaignDecider, [planned, launched, closed]);
      expect(() => decideCampaignMembers(add(['granted']), closedState, customers)).toThrow(
        expect.objectContaining({ code: 'CAMPAIGN_CLOSED' }),
      );
      const state = replay(campaignDecider, [planned]);
      expect(() => decideCampaignMembers(add([]), state, customers)).toThrow(
        expect.objectContaining({ code: 'INVALID_MEMBER_BATCH' }),
      );
      const many = Array.from({ length: 1001 }, (_, i) => `c-${i}`);
      expect(() => decideCampaignMembers(add(many), state, customers)).toThrow(
        expect.objectContaining({ code: 'INVALID_MEMBER_BATCH' }),
      );
    });

    it('reads the latest consent decision of the purpose', () => {
      expect(memberEligibility(withConsent({ marketing: true }), 'marketing')).toBe('eligible');
      expect(memberEligibility(withConsent({ marketing: false }), 'marketing')).toBe(
        'consent-revoked',
      );
      expect(memberEligibility(withConsent({ marketing: true }), 'events')).toBe('no-consent');
      expect(memberEligibility({ status: 'none' }, 'marketing')).toBe('unknown');
    });
  });

  describe('responses', () => {
    const running = [planned, launched, members('c-1')];

    it("records a member's response at the time it happened", () => {
      spec
        .given(running)
        .when(respond({ response: 'clicked', occurredAt: '2026-03-16T09:00:00.000Z' }))
        .then([
          {
            type: 'CampaignResponseRecorded',
            schemaVersion: 1,
            data: {
              campaignId,
              customerId: 'c-1',
              response: 'clicked',
              occurredAt: '2026-03-16T09:00:00.000Z',
              recordedAt: later,
            },
          },
        ]);
    });

    it('refuses a response from a non-member, before the launch, or in the future', () => {
      spec
        .given(running)
        .when(respond({ customerId: 'c-2' }))
        .thenFails('NOT_A_MEMBER', 'conflict');
      spec
        .given([planned, members('c-1')])
        .when(respond())
        .thenFails('CAMPAIGN_NOT_LAUNCHED', 'conflict');
      spec
        .given(running)
        .when(respond({ occurredAt: '2026-03-01T00:00:00.000Z' }))
        .thenFails('RESPONSE_BEFORE_LAUNCH', 'invalid');
      spec
        .given(running)
        .when(respond({ occurredAt: '2026-03-20T00:00:00.000Z' }))
        .thenFails('TIMESTAMP_IN_FUTURE', 'invalid');
    });

    it('takes responses after the close only within the grace period', () => {
      const after = [...running, closed];
      const late = '2026-04-20T00:00:00.000Z';
      spec
        .given(after)
        .when(respond({ occurredAt: '2026-04-14T23:00:00.000Z' }, late))
        .then([expect.objectContaining({ type: 'CampaignResponseRecorded' }) as CampaignEvent]);
      spec.given(after).when(respond({}, late)).thenFails('CAMPAIGN_RESPONSE_TOO_LATE', 'conflict');
      spec
        .given(after)
        .when(respond({ graceDays: 30 }, late))
        .then([expect.objectContaining({ type: 'CampaignResponseRecorded' }) as CampaignEvent]);
    });

    it('revokes the consent of the purpose in the same decision when a member unsubscribes', () => {
      const state = replay(campaignDecider, running);
      const decision = decideCampaignResponseWithCustomer(
        respond({ response: 'unsubscribed' }),
        state,
        withConsent({ marketing: true }),
      );
      expect(decision.campaign.map((event) => event.type)).toEqual(['CampaignResponseRecorded']);
      expect(decision.customer).toEqual([
        {
          type: 'ConsentRevoked',
          schemaVersion: 1,
          data: { customerId: 'c-1', purpose: 'marketing', at: later },
        },
      ]);
      const opened = decideCampaignResponseWithCustomer(
        respond(),
        state,
        withConsent({ marketing: true }),
      );
      expect(opened.customer).toEqual([]);
    });

    it('records nothing for an erased member', () => {
      const state = replay(campaignDecider, running);
      expect(() =>
        decideCampaignResponseWithCustomer(respond(), state, {
          status: 'erased',
          customerId: 'c-1',
        }),
      ).toThrow(expect.objectContaining({ code: 'CUSTOMER_ERASED' }));
    });
  });

  describe('attribution', () => {
    it('refuses a lead or deal naming a campaign that does not exist', () => {
      expect(() => requireAttributableCampaign({ status: 'none' }, 'x')).toThrow(
        expect.objectContaining({ code: 'UNKNOWN_CAMPAIGN', kind: 'invalid' }),
      );
      expect(() =>
        requireAttributableCampaign(replay(campaignDecider, [planned]), campaignId),
      ).not.toThrow();
    });
  });
});
