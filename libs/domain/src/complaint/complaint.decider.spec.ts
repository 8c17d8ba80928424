import { deciderSpecification, sealed } from '@rapport/testing';
import { complaintDecider } from './complaint.decider';
import type { ComplaintEvent } from './complaint.events';

const spec = deciderSpecification(complaintDecider);
const complaintId = 'k-1';
const customerId = 'c-1';
const raisedAt = '2026-02-01T08:00:00.000Z';
const now = '2026-02-03T08:00:00.000Z';

const raise = (severity: 'low' | 'critical') =>
  ({
    type: 'RaiseComplaint',
    now: raisedAt,
    data: {
      complaintId,
      customerId,
      category: 'billing',
      severity,
      description: sealed('charged twice'),
      channel: 'email',
    },
  }) as const;

const raised: ComplaintEvent = {
  type: 'ComplaintRaised',
  schemaVersion: 1,
  data: {
    complaintId,
    customerId,
    category: 'billing',
    severity: 'low',
    description: sealed('charged twice'),
    channel: 'email',
    raisedAt,
  },
};
const resolved: ComplaintEvent = {
  type: 'ComplaintResolved',
  schemaVersion: 1,
  data: {
    complaintId,
    customerId,
    resolution: sealed('refunded'),
    satisfaction: 4,
    raisedAt,
    resolvedAt: now,
  },
};

describe('complaint decider', () => {
  it('raises a complaint', () => {
    spec.given([]).when(raise('low')).then([raised]);
  });

  it('escalates a critical complaint at once', () => {
    spec
      .given([])
      .when(raise('critical'))
      .then([
        { ...raised, data: { ...raised.data, severity: 'critical' } } as ComplaintEvent,
        {
          type: 'ComplaintEscalated',
          schemaVersion: 1,
          data: { complaintId, customerId, reason: 'critical severity', escalatedAt: raisedAt },
        },
      ]);
  });

  it('resolves a complaint once', () => {
    const resolve = {
      type: 'ResolveComplaint',
      now,
      data: { complaintId, resolution: sealed('refunded'), satisfaction: 4 },
    } as const;
    spec.given([raised]).when(resolve).then([resolved]);
    spec
      .given([raised, resolved])
      .when(resolve)
      .thenFails('COMPLAINT_ALREADY_RESOLVED', 'conflict');
  });

  it.each([0, 6, 3.5])('refuses satisfaction %p outside 1..5', (satisfaction) => {
    spec
      .given([raised])
      .when({
        type: 'ResolveComplaint',
        now,
        data: { complaintId, resolution: sealed('x'), satisfaction },
      })
      .thenFails('INVALID_SATISFACTION', 'invalid');
  });

  it('reports an unknown complaint', () => {
    spec
      .given([])
      .when({ type: 'ResolveComplaint', now, data: { complaintId, resolution: sealed('x') } })
      .thenFails('COMPLAINT_NOT_FOUND', 'not-found');
  });

  it('refuses to raise the same complaint twice', () => {
    spec.given([raised]).when(raise('low')).thenFails('COMPLAINT_ALREADY_EXISTS', 'conflict');
  });
});
