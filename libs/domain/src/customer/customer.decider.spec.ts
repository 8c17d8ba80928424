import { deciderSpecification, sealed } from '@rapport/testing';
import { customerDecider } from './customer.decider';
import type { CustomerEvent } from './customer.events';

const spec = deciderSpecification(customerDecider);
const customerId = '6f1c2d3e-0000-4000-8000-000000000001';
const now = '2026-03-10T09:00:00.000Z';
const earlier = '2026-01-05T10:00:00.000Z';

const leadCreated: CustomerEvent = {
  type: 'LeadCreated',
  schemaVersion: 1,
  data: {
    customerId,
    name: sealed('Ada Lovelace'),
    email: sealed('ada@example.com'),
    source: 'web-form',
    ownerId: 'rep-1',
    createdAt: earlier,
  },
};
const converted: CustomerEvent = {
  type: 'CustomerConverted',
  schemaVersion: 1,
  data: { customerId, dealId: 'deal-a', convertedAt: earlier },
};
const churnedCustomer: CustomerEvent = {
  type: 'CustomerChurned',
  schemaVersion: 1,
  data: { customerId, reason: 'price', previousStatus: 'customer', churnedAt: earlier },
};
const erased: CustomerEvent = {
  type: 'CustomerErased',
  schemaVersion: 1,
  data: { customerId, reason: 'GDPR art. 17 request', erasedAt: earlier },
};

describe('customer decider', () => {
  describe('creating a lead', () => {
    it('records a lead with sealed personal data', () => {
      spec
        .given([])
        .when({
          type: 'CreateLead',
          now,
          data: { customerId, name: sealed('Ada'), source: 'fair', company: 'Analytical Engines' },
        })
        .then([
          {
            type: 'LeadCreated',
            schemaVersion: 1,
            data: {
              customerId,
              name: sealed('Ada'),
              company: 'Analytical Engines',
              source: 'fair',
              createdAt: now,
            },
          },
        ]);
    });

    it('refuses to create the same client twice', () => {
      spec
        .given([leadCreated])
        .when({ type: 'CreateLead', now, data: { customerId, name: sealed('Ada'), source: 'x' } })
        .thenFails('CUSTOMER_ALREADY_EXISTS', 'conflict');
    });

    it('requires a source', () => {
      spec
        .given([])
        .when({ type: 'CreateLead', now, data: { customerId, name: sealed('Ada'), source: ' ' } })
        .thenFails('REQUIRED_FIELD', 'invalid');
    });
  });

  describe('logging a contact', () => {
    const logContact = (direction: 'inbound' | 'outbound', occurredAt?: string) =>
      ({
        type: 'LogContact',
        now,
        data: {
          customerId,
          contactId: 'c-1',
          channel: 'call',
          direction,
          subject: sealed('renewal'),
          ...(occurredAt && { occurredAt }),
        },
      }) as const;

    it('records the contact at the time it happened', () => {
      spec
        .given([leadCreated])
        .when(logContact('outbound', earlier))
        .then([
          {
            type: 'ContactLogged',
            schemaVersion: 3,
            data: {
              customerId,
              contactId: 'c-1',
              channel: 'call',
              direction: 'outbound',
              subject: sealed('renewal'),
              occurredAt: earlier,
              loggedAt: now,
            },
          },
        ]);
    });

    it('refuses a contact for an unknown client', () => {
      spec.given([]).when(logContact('inbound')).thenFails('CUSTOMER_NOT_FOUND', 'not-found');
    });

    it('refuses a contact for an erased client', () => {
      spec
        .given([leadCreated, erased])
        .when(logContact('inbound'))
        .thenFails('CUSTOMER_ERASED', 'conflict');
    });

    it('refuses a contact that lies in the future', () => {
      spec
        .given([leadCreated])
        .when(logContact('inbound', '2026-03-11T09:00:00.000Z'))
        .thenFails('TIMESTAMP_IN_FUTURE', 'invalid');
    });

    it('reactivates a churned client who reaches out', () => {
      const events = customerDecider.decide(
        logContact('inbound'),
        [leadCreated, converted, churnedCustomer].reduce(
          customerDecider.evolve,
          customerDecider.initialState(),
        ),
      );
      expect(events.map((e) => e.type)).toEqual(['ContactLogged', 'CustomerReactivated']);
      expect(events[1]).toEqual({
        type: 'CustomerReactivated',
        schemaVersion: 1,
        data: { customerId, status: 'customer', trigger: 'inbound-contact', reactivatedAt: now },
      });
    });

    it('does not count our own win-back call as reactivation', () => {
      const events = customerDecider.decide(
        logContact('outbound'),
        [leadCreated, converted, churnedCustomer].reduce(
          customerDecider.evolve,
          customerDecider.initialState(),
        ),
      );
      expect(events.map((e) => e.type)).toEqual(['ContactLogged']);
    });
  });

  describe('deal activity', () => {
    const dealActivity = (activity: 'opened' | 'stage-changed' | 'won' | 'lost') =>
      ({
        type: 'RegisterDealActivity',
        now,
        data: { customerId, dealId: 'deal-b', activity },
      }) as const;

    it('converts a lead on its first won deal', () => {
      spec
        .given([leadCreated])
        .when(dealActivity('won'))
        .then([
          {
            type: 'CustomerConverted',
            schemaVersion: 1,
            data: { customerId, dealId: 'deal-b', convertedAt: now },
          },
        ]);
    });

    it('does not convert a customer twice', () => {
      spec.given([leadCreated, converted]).when(dealActivity('won')).thenNothingHappens();
    });

    it('lets opening a deal bring a churned client back', () => {
      spec
        .given([leadCreated, converted, churnedCustomer])
        .when(dealActivity('opened'))
        .then([
          {
            type: 'CustomerReactivated',
            schemaVersion: 1,
            data: { customerId, status: 'customer', trigger: 'deal-opened', reactivatedAt: now },
          },
        ]);
    });

    it('reactivates and then converts a churned lead that wins a deal', () => {
      const churnedLead: CustomerEvent = {
        type: 'CustomerChurned',
        schemaVersion: 1,
        data: { customerId, reason: 'no budget', previousStatus: 'lead', churnedAt: earlier },
      };
      spec
        .given([leadCreated, churnedLead])
        .when(dealActivity('won'))
        .then([
          {
            type: 'CustomerReactivated',
            schemaVersion: 1,
            data: { customerId, status: 'lead', trigger: 'deal-won', reactivatedAt: now },
          },
          {
            type: 'CustomerConverted',
            schemaVersion: 1,
            data: { customerId, dealId: 'deal-b', convertedAt: now },
          },
        ]);
    });

    it('lets a lost deal leave a churned client churned', () => {
      spec
        .given([leadCreated, converted, churnedCustomer])
        .when(dealActivity('lost'))
        .thenNothingHappens();
    });

    it('refuses deals for unknown clients', () => {
      spec.given([]).when(dealActivity('opened')).thenFails('CUSTOMER_NOT_FOUND', 'not-found');
    });

    it('refuses deals for erased clients', () => {
      spec.given([leadCreated, erased]).when(dealActivity('won')).thenFails('CUSTOMER_ERASED');
    });
  });

  describe('complaint activity', () => {
    const complaint = {
      type: 'RegisterComplaintActivity',
      now,
      data: { customerId, complaintId: 'k-1', activity: 'raised' },
    } as const;

    it('accepts a complaint from a known client without changing the relationship', () => {
      spec.given([leadCreated, converted, churnedCustomer]).when(complaint).thenNothingHappens();
    });

    it('refuses complaints for unknown or erased clients', () => {
      spec.given([]).when(complaint).thenFails('CUSTOMER_NOT_FOUND');
      spec.given([leadCreated, erased]).when(complaint).thenFails('CUSTOMER_ERASED');
    });
  });

  describe('churn', () => {
    const churn = {
      type: 'ChurnCustomer',
      now,
      data: { customerId, reason: 'moved away' },
    } as const;

    it('records where the client churned from', () => {
      spec
        .given([leadCreated, converted])
        .when(churn)
        .then([
          {
            type: 'CustomerChurned',
            schemaVersion: 1,
            data: { customerId, reason: 'moved away', previousStatus: 'customer', churnedAt: now },
          },
        ]);
    });

    it('refuses to churn a client twice', () => {
      spec
        .given([leadCreated, converted, churnedCustomer])
        .when(churn)
        .thenFails('CUSTOMER_ALREADY_CHURNED', 'conflict');
    });

    it('requires a reason', () => {
      spec
        .given([leadCreated])
        .when({ ...churn, data: { customerId, reason: '' } })
        .thenFails('REQUIRED_FIELD', 'invalid');
    });
  });

  describe('consent', () => {
    it('records grants and revocations per purpose', () => {
      spec
        .given([leadCreated])
        .when({
          type: 'SetConsent',
          now,
          data: { customerId, purpose: 'marketing', granted: false },
        })
        .then([
          {
            type: 'ConsentRevoked',
            schemaVersion: 1,
            data: { customerId, purpose: 'marketing', at: now },
          },
        ]);
      const state = [leadCreated].reduce(customerDecider.evolve, customerDecider.initialState());
      const granted = customerDecider.decide(
        { type: 'SetConsent', now, data: { customerId, purpose: 'marketing', granted: true } },
        state,
      );
      const after = granted.reduce(customerDecider.evolve, state);
      expect(after).toMatchObject({ consents: { marketing: true } });
    });

    it('refuses consent changes for erased clients', () => {
      spec
        .given([leadCreated, erased])
        .when({
          type: 'SetConsent',
          now,
          data: { customerId, purpose: 'marketing', granted: true },
        })
        .thenFails('CUSTOMER_ERASED');
    });
  });

  describe('ownership', () => {
    it('records the previous owner', () => {
      spec
        .given([leadCreated])
        .when({ type: 'AssignOwner', now, data: { customerId, ownerId: 'rep-2' } })
        .then([
          {
            type: 'OwnerAssigned',
            schemaVersion: 1,
            data: { customerId, ownerId: 'rep-2', previousOwnerId: 'rep-1', at: now },
          },
        ]);
    });

    it('refuses to assign the current owner again', () => {
      spec
        .given([leadCreated])
        .when({ type: 'AssignOwner', now, data: { customerId, ownerId: 'rep-1' } })
        .thenFails('OWNER_UNCHANGED', 'conflict');
    });
  });

  describe('profile correction', () => {
    it('records which fields were corrected', () => {
      spec
        .given([leadCreated])
        .when({
          type: 'CorrectProfile',
          now,
          data: { customerId, changes: { email: sealed('ada@new.example'), phone: null } },
        })
        .then([
          {
            type: 'CustomerProfileCorrected',
            schemaVersion: 1,
            data: {
              customerId,
              changes: { email: sealed('ada@new.example'), phone: null },
              correctedFields: ['email', 'phone'],
              at: now,
            },
          },
        ]);
    });

    it('refuses an empty correction', () => {
      spec
        .given([leadCreated])
        .when({ type: 'CorrectProfile', now, data: { customerId, changes: {} } })
        .thenFails('NO_CHANGES', 'invalid');
    });
  });

  describe('erasure', () => {
    const erase = {
      type: 'EraseCustomer',
      now,
      data: { customerId, reason: 'client request' },
    } as const;

    it('erases a known client once', () => {
      spec
        .given([leadCreated, converted])
        .when(erase)
        .then([
          {
            type: 'CustomerErased',
            schemaVersion: 1,
            data: { customerId, reason: 'client request', erasedAt: now },
          },
        ]);
      spec
        .given([leadCreated, erased])
        .when(erase)
        .thenFails('CUSTOMER_ALREADY_ERASED', 'conflict');
    });

    it('cannot erase an unknown client', () => {
      spec.given([]).when(erase).thenFails('CUSTOMER_NOT_FOUND', 'not-found');
    });
  });
});
