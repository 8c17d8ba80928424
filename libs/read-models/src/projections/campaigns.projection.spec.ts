import type { CampaignEvent, CrmEvent } from '@rapport/domain';
import { EventLogBuilder, projectionSpecification, sealed } from '@rapport/testing';
import { campaignPerformanceAggregation } from '../aggregations/campaign-performance.aggregation';
import { sourceEffectivenessAggregation } from '../aggregations/source-effectiveness.aggregation';
import { campaignAttributionProjection } from './campaign-attribution.projection';
import { campaignsProjection, type CampaignDocument } from './campaigns.projection';
import type { CampaignAttributionDocument } from './campaign.document';

const campaign = (type: CampaignEvent['type'], data: object) =>
  ({ type, schemaVersion: 1, data: { campaignId: 'k1', ...data } }) as CampaignEvent;

function history() {
  const log = new EventLogBuilder('2026-03-01T08:00:00.000Z');
  const events: CrmEvent[] = [
    campaign('CampaignPlanned', {
      name: 'Spring',
      channel: 'email',
      startsAt: '2026-03-02T00:00:00.000Z',
      budget: { amount: 1000, currency: 'EUR' },
      purpose: 'marketing',
      plannedAt: '2026-03-01T08:00:00.000Z',
    }),
    campaign('CampaignLaunched', { launchedAt: '2026-03-02T08:00:00.000Z' }),
    campaign('CampaignCostRecorded', {
      amount: 100.1,
      currency: 'EUR',
      at: '2026-03-02T08:00:00.000Z',
    }),
    campaign('CampaignCostRecorded', {
      amount: 0.2,
      currency: 'EUR',
      at: '2026-03-03T08:00:00.000Z',
    }),
    campaign('CampaignMembersAdded', {
      customerIds: ['c1', 'c2'],
      skipped: [
        { customerId: 'c3', reason: 'no-consent' },
        { customerId: 'c4', reason: 'no-consent' },
      ],
      addedAt: '2026-03-02T09:00:00.000Z',
    }),
    {
      type: 'LeadCreated',
      schemaVersion: 1,
      data: {
        customerId: 'c1',
        name: sealed('Ada'),
        source: 'web',
        createdAt: '2026-03-01T00:00:00.000Z',
      },
    },
    campaign('CampaignResponseRecorded', {
      customerId: 'c1',
      response: 'unsubscribed',
      occurredAt: '2026-03-02T10:00:00.000Z',
      recordedAt: '2026-03-02T10:00:00.000Z',
    }),
    campaign('CampaignResponseRecorded', {
      customerId: 'c1',
      response: 'opened',
      occurredAt: '2026-03-03T10:00:00.000Z',
      recordedAt: '2026-03-03T10:00:00.000Z',
    }),
    {
      type: 'DealOpened',
      schemaVersion: 1,
      data: {
        dealId: 'd1',
        customerId: 'c1',
        title: 'Licence',
        amount: 50,
        currency: 'EUR',
        stage: 'qualification',
        openedAt: '2026-03-04T10:00:00.000Z',
      },
    },
    {
      type: 'DealWon',
      schemaVersion: 1,
      data: {
        dealId: 'd1',
        customerId: 'c1',
        amount: 60,
        currency: 'EUR',
        openedAt: '2026-03-04T10:00:00.000Z',
        wonAt: '2026-03-06T10:00:00.000Z',
      },
    },
    {
      type: 'CustomerConverted',
      schemaVersion: 1,
      data: { customerId: 'c1', dealId: 'd1', convertedAt: '2026-03-06T10:00:00.000Z' },
    },
    campaign('CampaignClosed', { closedAt: '2026-03-10T08:00:00.000Z' }),
  ];
  for (const event of events) log.append(event);
  return log.events;
}

describe('campaigns projection', () => {
  const spec = projectionSpecification(campaignsProjection);
  const expected: CampaignDocument = {
    id: 'k1',
    position: 12,
    campaignId: 'k1',
    name: 'Spring',
    channel: 'email',
    purpose: 'marketing',
    status: 'closed',
    startsAt: '2026-03-02T00:00:00.000Z',
    endsAt: null,
    budget: { amount: 1000, currency: 'EUR' },
    plannedAt: '2026-03-01T08:00:00.000Z',
    launchedAt: '2026-03-02T08:00:00.000Z',
    closedAt: '2026-03-10T08:00:00.000Z',
    members: 2,
    skipped: { 'no-consent': 2 },
    costMinor: { EUR: 10030 },
    costEntries: 2,
  };

  it("keeps a campaign's stage, members, skipped clients and costs in minor units", async () => {
    await spec.given(history()).then('k1', expected);
  });

  it('counts nothing twice when the log is delivered again', async () => {
    const events = history();
    await spec.given(events).whenReplayed(0, events).then('k1', expected);
  });
});

describe('campaign-attribution projection', () => {
  const spec = projectionSpecification(campaignAttributionProjection);

  it('keeps the touches (an unsubscribe is no touch) and each won deal with its last touch', async () => {
    const docs = await spec.given(history()).documents<CampaignAttributionDocument>();
    expect(docs).toEqual([
      {
        id: 'c1',
        position: 11,
        customerId: 'c1',
        source: 'web',
        createdAt: '2026-03-01T00:00:00.000Z',
        leadCampaignId: null,
        convertedAt: '2026-03-06T10:00:00.000Z',
        touches: {
          k1: {
            responses: { unsubscribed: 1, opened: 1 },
            firstAt: '2026-03-03T10:00:00.000Z',
            lastAt: '2026-03-03T10:00:00.000Z',
          },
        },
        deals: {
          d1: {
            openedAt: '2026-03-04T10:00:00.000Z',
            lastTouch: 'k1',
            status: 'won',
            currency: 'EUR',
            amountMinor: 6000,
            wonAt: '2026-03-06T10:00:00.000Z',
          },
        },
      },
    ]);
    const [doc] = docs;
    expect(campaignPerformanceAggregation.contribution(doc!)).toEqual(
      new Map([
        [
          'campaign:k1',
          {
            'responses.unsubscribed': 1,
            'responses.opened': 1,
            responders: 1,
            leads: 1,
            converted: 1,
            wonFirst: 1,
            'revenueFirst.EUR': 6000,
            wonLast: 1,
            'revenueLast.EUR': 6000,
          },
        ],
      ]),
    );
    expect(sourceEffectivenessAggregation.contribution(doc!)).toEqual(
      new Map([
        ['source:web|k1', { leads: 1, converted: 1, 'days.5': 1, won: 1, 'revenue.EUR': 6000 }],
      ]),
    );
  });

  it('drops a lost deal and keeps a lead that named no campaign out of every campaign', async () => {
    const log = new EventLogBuilder();
    log.append({
      type: 'LeadCreated',
      schemaVersion: 1,
      data: {
        customerId: 'c9',
        name: sealed('x'),
        source: 'fair',
        createdAt: '2026-01-01T00:00:00.000Z',
      },
    });
    log.append({
      type: 'DealOpened',
      schemaVersion: 1,
      data: {
        dealId: 'd9',
        customerId: 'c9',
        title: 't',
        amount: 10,
        currency: 'USD',
        stage: 'qualification',
        campaignId: 'k2',
        openedAt: '2026-01-02T00:00:00.000Z',
      },
    });
    const [open] = await spec.given(log.events).documents<CampaignAttributionDocument>();
    expect(open!.deals.d9!.lastTouch).toBe('k2');
    log.append({
      type: 'DealLost',
      schemaVersion: 1,
      data: {
        dealId: 'd9',
        customerId: 'c9',
        reason: 'price',
        stage: 'qualification',
        openedAt: '2026-01-02T00:00:00.000Z',
        lostAt: '2026-01-03T00:00:00.000Z',
      },
    });
    const [doc] = await spec.given(log.events).documents<CampaignAttributionDocument>();
    expect(doc!.deals).toEqual({});
    expect(campaignPerformanceAggregation.contribution(doc!)).toEqual(new Map());
    expect(sourceEffectivenessAggregation.contribution(doc!)).toEqual(
      new Map([['source:fair|', { leads: 1 }]]),
    );
  });
});
