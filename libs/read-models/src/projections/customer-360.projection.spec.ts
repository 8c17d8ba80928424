import { upcast, type EventEnvelope } from '@rapport/domain';
import { EventLogBuilder, projectionSpecification, sealed } from '@rapport/testing';
import fixtures from '../../../domain/src/customer/fixtures/contact-logged.v1.json';
import {
  customer360Projection,
  emptyCustomer360,
  type Customer360Document,
} from './customer-360.projection';

const customerId = 'c-1';
const spec = projectionSpecification(customer360Projection);

function lifecycle() {
  const log = new EventLogBuilder();
  log.append(
    {
      type: 'LeadCreated',
      schemaVersion: 1,
      data: {
        customerId,
        name: sealed('Ada'),
        email: sealed('ada@x'),
        company: 'AE',
        source: 'fair',
        ownerId: 'rep-1',
        createdAt: '2026-01-05T10:00:00.000Z',
      },
    },
    '2026-01-05T10:00:00.000Z',
  );
  log.append({
    type: 'ContactLogged',
    schemaVersion: 3,
    data: {
      customerId,
      contactId: 'k1',
      channel: 'call',
      direction: 'outbound',
      subject: sealed('intro'),
      occurredAt: '2026-01-06T10:00:00.000Z',
      loggedAt: '2026-01-06T10:00:00.000Z',
    },
  });
  log.append({
    type: 'ContactLogged',
    schemaVersion: 3,
    data: {
      customerId,
      contactId: 'k2',
      channel: 'email',
      direction: 'inbound',
      subject: sealed('question'),
      notes: sealed('asked for prices'),
      occurredAt: '2026-01-10T10:00:00.000Z',
      loggedAt: '2026-01-10T10:00:00.000Z',
    },
  });
  log.append({
    type: 'DealOpened',
    schemaVersion: 1,
    data: {
      dealId: 'd1',
      customerId,
      title: 'Pilot',
      amount: 1000.1,
      currency: 'EUR',
      stage: 'qualification',
      openedAt: '2026-01-11T00:00:00.000Z',
    },
  });
  log.append({
    type: 'DealOpened',
    schemaVersion: 1,
    data: {
      dealId: 'd2',
      customerId,
      title: 'Add-on',
      amount: 200.2,
      currency: 'EUR',
      stage: 'proposal',
      openedAt: '2026-01-12T00:00:00.000Z',
    },
  });
  log.append({
    type: 'DealWon',
    schemaVersion: 1,
    data: {
      dealId: 'd1',
      customerId,
      amount: 900.1,
      currency: 'EUR',
      openedAt: '2026-01-11T00:00:00.000Z',
      wonAt: '2026-02-01T00:00:00.000Z',
    },
  });
  log.append({
    type: 'CustomerConverted',
    schemaVersion: 1,
    data: { customerId, dealId: 'd1', convertedAt: '2026-02-01T00:00:00.000Z' },
  });
  log.append({
    type: 'DealLost',
    schemaVersion: 1,
    data: {
      dealId: 'd2',
      customerId,
      reason: 'price',
      stage: 'proposal',
      openedAt: '2026-01-12T00:00:00.000Z',
      lostAt: '2026-02-02T00:00:00.000Z',
    },
  });
  log.append({
    type: 'ComplaintRaised',
    schemaVersion: 1,
    data: {
      complaintId: 'p1',
      customerId,
      category: 'billing',
      severity: 'critical',
      description: sealed('double charge'),
      raisedAt: '2026-02-03T00:00:00.000Z',
    },
  });
  log.append({
    type: 'ComplaintEscalated',
    schemaVersion: 1,
    data: {
      complaintId: 'p1',
      customerId,
      reason: 'critical severity',
      escalatedAt: '2026-02-03T00:00:00.000Z',
    },
  });
  log.append({
    type: 'ComplaintRaised',
    schemaVersion: 1,
    data: {
      complaintId: 'p2',
      customerId,
      category: 'delivery',
      severity: 'low',
      description: sealed('late'),
      raisedAt: '2026-02-04T00:00:00.000Z',
    },
  });
  log.append({
    type: 'ComplaintResolved',
    schemaVersion: 1,
    data: {
      complaintId: 'p1',
      customerId,
      resolution: sealed('refund'),
      satisfaction: 3,
      raisedAt: '2026-02-03T00:00:00.000Z',
      resolvedAt: '2026-02-05T00:00:00.000Z',
    },
  });
  log.append({
    type: 'ConsentGranted',
    schemaVersion: 1,
    data: { customerId, purpose: 'marketing', at: '2026-02-06T00:00:00.000Z' },
  });
  log.append({
    type: 'ConsentRevoked',
    schemaVersion: 1,
    data: { customerId, purpose: 'profiling', at: '2026-02-06T00:00:00.000Z' },
  });
  log.append({
    type: 'OwnerAssigned',
    schemaVersion: 1,
    data: {
      customerId,
      ownerId: 'rep-2',
      previousOwnerId: 'rep-1',
      at: '2026-02-07T00:00:00.000Z',
    },
  });
  log.append({
    type: 'CustomerChurned',
    schemaVersion: 1,
    data: {
      customerId,
      reason: 'competitor',
      previousStatus: 'customer',
      churnedAt: '2026-03-01T00:00:00.000Z',
    },
  });
  return log;
}

const expected: Customer360Document = {
  ...emptyCustomer360(customerId),
  position: 16,
  status: 'churned',
  ownerId: 'rep-2',
  source: 'fair',
  profile: { name: sealed('Ada'), email: sealed('ada@x'), phone: null, company: 'AE' },
  createdAt: '2026-01-05T10:00:00.000Z',
  convertedAt: '2026-02-01T00:00:00.000Z',
  churnedAt: '2026-03-01T00:00:00.000Z',
  churnReason: 'competitor',
  customerPeriods: [{ from: '2026-02-01T00:00:00.000Z', to: '2026-03-01T00:00:00.000Z' }],
  contacts: {
    total: 2,
    byChannel: { call: 1, email: 1 },
    inbound: 1,
    outbound: 1,
    firstContactAt: '2026-01-06T10:00:00.000Z',
    lastContactAt: '2026-01-10T10:00:00.000Z',
    recent: [
      {
        contactId: 'k2',
        channel: 'email',
        direction: 'inbound',
        subject: sealed('question'),
        notes: sealed('asked for prices'),
        occurredAt: '2026-01-10T10:00:00.000Z',
      },
      {
        contactId: 'k1',
        channel: 'call',
        direction: 'outbound',
        subject: sealed('intro'),
        notes: null,
        occurredAt: '2026-01-06T10:00:00.000Z',
      },
    ],
  },
  deals: {
    open: 0,
    won: 1,
    lost: 1,
    wonValueMinor: { EUR: 90010 },
    openValueMinor: {},
    wonByCurrency: { EUR: { count: 1, amountMinor: 90010, lastWonAt: '2026-02-01T00:00:00.000Z' } },
    lastWonAt: '2026-02-01T00:00:00.000Z',
    recentLosses: ['2026-02-02T00:00:00.000Z'],
    openDeals: {},
  },
  complaints: {
    open: 1,
    resolved: 1,
    escalated: 1,
    openCritical: 0,
    lastRaisedAt: '2026-02-04T00:00:00.000Z',
    satisfactionSum: 3,
    satisfactionCount: 1,
    averageSatisfaction: 3,
    openSeverities: { p2: 'low' },
  },
  cases: {
    open: 1,
    resolved: 1,
    reopened: 0,
    breached: 0,
    escalated: 1,
    lastOpenedAt: '2026-02-04T00:00:00.000Z',
    byId: {
      p1: { kind: 'complaint', severity: 'critical', open: false, breached: false },
      p2: { kind: 'complaint', severity: 'low', open: true, breached: false },
    },
  },
  consents: { marketing: true, profiling: false },
};

describe('customer-360 projection', () => {
  it('folds a whole client history into one document', async () => {
    await spec.given(lifecycle().events).then(customerId, expected);
  });

  it('ignores a duplicate delivery of the same events', async () => {
    const { events } = lifecycle();
    await spec.given(events).whenDelivered(events, events.slice(3, 8)).then(customerId, expected);
  });

  it('ignores a replay from an older checkpoint (crash between documents and checkpoint)', async () => {
    const { events } = lifecycle();
    await spec.given(events).whenReplayed(2, events.slice(2)).then(customerId, expected);
    await spec
      .given(events.slice(0, 10))
      .whenReplayed(4, events.slice(4))
      .then(customerId, expected);
  });

  it('gives the same document whether the events come in one batch or one by one', async () => {
    const { events } = lifecycle();
    await spec
      .given([])
      .whenDelivered(...events.map((e) => [e]))
      .then(customerId, expected);
  });

  it('keeps the 20 newest contacts, newest first, whatever order they are logged in', async () => {
    const log = new EventLogBuilder();
    log.append({
      type: 'LeadCreated',
      schemaVersion: 1,
      data: { customerId, name: sealed('x'), source: 's', createdAt: '2026-01-01T00:00:00.000Z' },
    });
    for (let day = 25; day >= 1; day--) {
      const at = `2026-02-${String(day).padStart(2, '0')}T00:00:00.000Z`;
      log.append({
        type: 'ContactLogged',
        schemaVersion: 3,
        data: {
          customerId,
          contactId: `k${day}`,
          channel: 'web',
          direction: 'inbound',
          subject: sealed(`s${day}`),
          occurredAt: at,
          loggedAt: at,
        },
      });
    }
    const [doc] = await spec.given(log.events).documents<Customer360Document>();
    expect(doc!.contacts.total).toBe(25);
    expect(doc!.contacts.recent.map((c) => c.contactId)).toEqual(
      Array.from({ length: 20 }, (_, i) => `k${25 - i}`),
    );
    expect(doc!.contacts.firstContactAt).toBe('2026-02-01T00:00:00.000Z');
    expect(doc!.contacts.lastContactAt).toBe('2026-02-25T00:00:00.000Z');
  });

  it('shows an erased client as erased, without personal data, keeping the facts', async () => {
    const log = lifecycle();
    log.append({
      type: 'CustomerErased',
      schemaVersion: 1,
      data: { customerId, reason: 'request', erasedAt: '2026-04-01T00:00:00.000Z' },
    });
    await spec.given(log.events).then(customerId, {
      ...expected,
      position: 17,
      status: 'erased',
      erasedAt: '2026-04-01T00:00:00.000Z',
      profile: { name: null, email: null, phone: null, company: null },
      contacts: {
        ...expected.contacts,
        recent: expected.contacts.recent.map((c) => ({ ...c, subject: null, notes: null })),
      },
    });
  });

  it('reopens a customer period on reactivation and applies profile corrections', async () => {
    const log = lifecycle();
    log.append({
      type: 'CustomerReactivated',
      schemaVersion: 1,
      data: {
        customerId,
        status: 'customer',
        trigger: 'inbound-contact',
        reactivatedAt: '2026-05-01T00:00:00.000Z',
      },
    });
    log.append({
      type: 'CustomerProfileCorrected',
      schemaVersion: 1,
      data: {
        customerId,
        changes: { email: sealed('new@x'), phone: null },
        correctedFields: ['email', 'phone'],
        at: '2026-05-02T00:00:00.000Z',
      },
    });
    const [doc] = await spec.given(log.events).documents<Customer360Document>();
    expect(doc).toMatchObject({
      status: 'customer',
      churnedAt: null,
      churnReason: null,
      customerPeriods: [
        { from: '2026-02-01T00:00:00.000Z', to: '2026-03-01T00:00:00.000Z' },
        { from: '2026-05-01T00:00:00.000Z', to: null },
      ],
      profile: { name: sealed('Ada'), email: sealed('new@x'), phone: null, company: 'AE' },
    });
  });

  it('projects stored v1 contacts, upcast, like current ones', async () => {
    const log = new EventLogBuilder();
    const id = fixtures[0]!.data.customerId;
    log.append({
      type: 'LeadCreated',
      schemaVersion: 1,
      data: {
        customerId: id,
        name: sealed('x'),
        source: 's',
        createdAt: '2024-01-01T00:00:00.000Z',
      },
    });
    const events = [log.events[0]!, ...fixtures.map((event) => upcast(event as EventEnvelope))];
    const [doc] = await spec.given(events).documents<Customer360Document>();
    expect(doc!.contacts).toMatchObject({
      total: 2,
      byChannel: { call: 1, email: 1 },
      outbound: 2,
      inbound: 0,
      firstContactAt: '2024-03-04T10:00:00.000Z',
      lastContactAt: '2024-04-01T08:45:00.000Z',
    });
    expect(doc!.contacts.recent.map((c) => c.contactId)).toEqual([
      fixtures[1]!.data.contactId,
      fixtures[0]!.data.contactId,
    ]);
  });

  it('ignores events that are not about clients', async () => {
    expect(customer360Projection.keysOf({ type: 'AccessDenied', data: {} } as never)).toEqual([]);
  });

  it('keeps the open activities with their due dates and counts the closed ones', async () => {
    const log = lifecycle();
    const schedule = (activityId: string, dueAt: string) =>
      log.append({
        type: 'ActivityScheduled',
        schemaVersion: 1,
        data: {
          activityId,
          customerId,
          kind: 'meeting',
          subject: sealed('review'),
          dueAt,
          ownerId: 'rep-1',
          scheduledAt: '2026-03-01T00:00:00.000Z',
        },
      });
    schedule('a1', '2026-04-01T09:00:00.000Z');
    schedule('a2', '2026-04-02T09:00:00.000Z');
    schedule('a3', '2026-04-03T09:00:00.000Z');
    log.append({
      type: 'ActivityRescheduled',
      schemaVersion: 1,
      data: {
        activityId: 'a2',
        customerId,
        previousDueAt: '2026-04-02T09:00:00.000Z',
        dueAt: '2026-05-02T09:00:00.000Z',
        rescheduledAt: '2026-03-02T00:00:00.000Z',
      },
    });
    log.append({
      type: 'ActivityReassigned',
      schemaVersion: 1,
      data: {
        activityId: 'a2',
        customerId,
        ownerId: 'rep-9',
        reassignedAt: '2026-03-02T00:00:00.000Z',
      },
    });
    log.append({
      type: 'ActivityCompleted',
      schemaVersion: 1,
      data: {
        activityId: 'a1',
        customerId,
        kind: 'meeting',
        outcome: 'done',
        dueAt: '2026-04-01T09:00:00.000Z',
        occurredAt: '2026-03-03T00:00:00.000Z',
        completedAt: '2026-03-03T00:00:00.000Z',
      },
    });
    log.append({
      type: 'ActivityCancelled',
      schemaVersion: 1,
      data: {
        activityId: 'a3',
        customerId,
        reason: 'not needed',
        dueAt: '2026-04-03T09:00:00.000Z',
        cancelledAt: '2026-03-03T00:00:00.000Z',
      },
    });
    const [doc] = await spec.given(log.events).documents<Customer360Document>();
    expect(doc!.activities).toEqual({
      open: { a2: { kind: 'meeting', dueAt: '2026-05-02T09:00:00.000Z', ownerId: 'rep-9' } },
      scheduled: 3,
      done: 1,
      cancelled: 1,
    });
    log.append({
      type: 'CustomerErased',
      schemaVersion: 1,
      data: { customerId, reason: 'request', erasedAt: '2026-03-04T00:00:00.000Z' },
    });
    const [erased] = await spec.given(log.events).documents<Customer360Document>();
    // The erasure cancels what was still to do, as on the agenda; the closed ones stay.
    expect(erased!.activities).toEqual({ open: {}, scheduled: 3, done: 1, cancelled: 2 });
  });

  it('adds activities to a document built before they were kept (an older generation)', () => {
    const { activities: _absent, ...older } = emptyCustomer360(customerId);
    const doc = customer360Projection.apply(
      older,
      new EventLogBuilder().append({
        type: 'ActivityCancelled',
        schemaVersion: 1,
        data: {
          activityId: 'a1',
          customerId,
          reason: 'x',
          dueAt: '2026-04-03T09:00:00.000Z',
          cancelledAt: '2026-03-03T00:00:00.000Z',
        },
      }),
      customerId,
    );
    expect(doc.activities).toEqual({ open: {}, scheduled: 0, done: 0, cancelled: 1 });
  });
});

describe('customer-360: service cases', () => {
  it('counts open, resolved, reopened and breached cases; a reopened complaint is open again', async () => {
    const log = new EventLogBuilder('2026-03-01T00:00:00.000Z');
    log.append({
      type: 'LeadCreated',
      schemaVersion: 1,
      data: { customerId, name: sealed('n'), source: 'web', createdAt: '2026-03-01T00:00:00.000Z' },
    });
    log.append({
      type: 'ComplaintRaised',
      schemaVersion: 1,
      data: {
        complaintId: 'k1',
        customerId,
        category: 'billing',
        severity: 'critical',
        description: sealed('x'),
        raisedAt: '2026-03-01T01:00:00.000Z',
      },
    });
    log.append({
      type: 'ServiceRequestOpened',
      schemaVersion: 1,
      data: {
        caseId: 'r1',
        customerId,
        requestType: 'error',
        subject: sealed('s'),
        description: sealed('d'),
        severity: 'high',
        openedAt: '2026-03-01T02:00:00.000Z',
        firstResponseHours: 4,
        resolutionHours: 24,
        firstResponseDueAt: '2026-03-01T06:00:00.000Z',
        resolutionDueAt: '2026-03-02T02:00:00.000Z',
      },
    });
    log.append({
      type: 'CaseSlaBreached',
      schemaVersion: 1,
      data: {
        caseId: 'r1',
        customerId,
        target: 'first-response',
        cycle: 0,
        severity: 'high',
        dueAt: '2026-03-01T06:00:00.000Z',
        detectedAt: '2026-03-01T06:00:05.000Z',
      },
    });
    log.append({
      type: 'ComplaintResolved',
      schemaVersion: 1,
      data: {
        complaintId: 'k1',
        customerId,
        resolution: sealed('r'),
        raisedAt: '2026-03-01T01:00:00.000Z',
        resolvedAt: '2026-03-01T07:00:00.000Z',
      },
    });
    log.append({
      type: 'CaseReopened',
      schemaVersion: 1,
      data: {
        caseId: 'k1',
        customerId,
        reason: sealed('again'),
        cycle: 1,
        reopenedAt: '2026-03-01T08:00:00.000Z',
        resolutionDueAt: null,
      },
    });
    const [doc] = await spec.given(log.events).documents<Customer360Document>();
    expect(doc!.cases).toMatchObject({ open: 2, resolved: 1, reopened: 1, breached: 1 });
    expect(doc!.complaints).toMatchObject({ open: 1, openCritical: 1, resolved: 1 });
  });
});
