import type { CaseEvent, CrmEvent } from '@rapport/domain';
import { EventLogBuilder, projectionSpecification, sealed } from '@rapport/testing';
import { serviceFiguresAggregation } from '../aggregations/service-figures.aggregation';
import { serviceFiguresFromTallies } from '../analytics/service.analytics';
import { serviceCasesProjection, type ServiceCaseDocument } from './service-cases.projection';

const spec = projectionSpecification(serviceCasesProjection);
const t0 = '2026-03-02T08:00:00.000Z';
const at = (hours: number) => new Date(Date.parse(t0) + hours * 3_600_000).toISOString();

const requestOpened = (caseId = 'r1', customerId = 'c1'): CaseEvent => ({
  type: 'ServiceRequestOpened',
  schemaVersion: 1,
  data: {
    caseId,
    customerId,
    requestType: 'repair',
    subject: sealed('hinge'),
    description: sealed('the hinge broke'),
    severity: 'high',
    openedAt: t0,
    firstResponseHours: 4,
    resolutionHours: 24,
    firstResponseDueAt: at(4),
    resolutionDueAt: at(24),
  },
});
const breach = (target: 'first-response' | 'resolution', dueAt: string, cycle = 0): CaseEvent => ({
  type: 'CaseSlaBreached',
  schemaVersion: 1,
  data: {
    caseId: 'r1',
    customerId: 'c1',
    target,
    cycle,
    severity: 'high',
    dueAt,
    detectedAt: at(5),
  },
});
const respond = (hours: number): CaseEvent => ({
  type: 'CaseResponded',
  schemaVersion: 1,
  data: {
    caseId: 'r1',
    customerId: 'c1',
    message: sealed('hi'),
    first: true,
    respondedAt: at(hours),
  },
});
const resolve = (hours: number): CaseEvent => ({
  type: 'CaseResolved',
  schemaVersion: 1,
  data: {
    caseId: 'r1',
    customerId: 'c1',
    resolution: sealed('fixed'),
    outcome: 'repair',
    satisfaction: 4,
    openedAt: t0,
    resolvedAt: at(hours),
  },
});

function log(...events: CrmEvent[]) {
  const builder = new EventLogBuilder(t0);
  return events.map((event) => builder.append(event));
}

const documents = (events: CrmEvent[]) =>
  spec.given(log(...events)).documents<ServiceCaseDocument>();

describe('service-cases projection', () => {
  it('puts an open request in the queue by its next deadline, and in the deadline range', async () => {
    const [doc] = await documents([requestOpened()]);
    expect(doc).toMatchObject({
      caseId: 'r1',
      kind: 'request',
      category: 'repair',
      status: 'open',
      slaDueAt: at(4),
      slaDueTarget: 'first-response',
      queueKey: `1|${at(4)}`,
      customerQueue: `c1|1|${at(4)}`,
      kindQueue: `request|1|${at(4)}`,
      statusQueue: `open|1|${at(4)}`,
    });
  });

  it('a breach puts the case at the head of the queue and its next deadline in the range', async () => {
    const [doc] = await documents([requestOpened(), breach('first-response', at(4))]);
    expect(doc).toMatchObject({ overdue: true, queueKey: `0|${at(4)}`, slaDueAt: at(24) });
  });

  it('a critical request escalated at opening shows escalated, for its severity', async () => {
    const escalated = (
      cause: 'severity' | 'sla-breach',
      hours: number,
      target: 'first-response' | null,
    ): CaseEvent => ({
      type: 'CaseEscalated',
      schemaVersion: 2,
      data: {
        caseId: 'r1',
        customerId: 'c1',
        reason: cause === 'severity' ? 'critical severity' : 'first response overdue',
        cause,
        target,
        cycle: 0,
        escalatedAt: at(hours),
      },
    });
    const critical = requestOpened();
    (critical.data as { severity: string }).severity = 'critical';
    const [atOpening] = await documents([critical, escalated('severity', 0, null)]);
    expect(atOpening).toMatchObject({
      escalations: 1,
      escalatedAt: t0,
      escalationCause: 'severity',
      overdue: false,
      queueKey: `1|${at(4)}`,
    });
    // A later breach is recorded (overdue, its escalation counted); the escalation stays the
    // one at opening.
    const [breached] = await documents([
      critical,
      escalated('severity', 0, null),
      breach('first-response', at(4)),
      escalated('sla-breach', 5, 'first-response'),
    ]);
    expect(breached).toMatchObject({
      escalations: 2,
      escalatedAt: t0,
      escalationCause: 'severity',
      overdue: true,
      queueKey: `0|${at(4)}`,
    });
  });

  it('a request escalated for a missed target shows when and why', async () => {
    const [doc] = await documents([
      requestOpened(),
      breach('first-response', at(4)),
      {
        type: 'CaseEscalated',
        schemaVersion: 2,
        data: {
          caseId: 'r1',
          customerId: 'c1',
          reason: 'first response overdue',
          cause: 'sla-breach',
          target: 'first-response',
          cycle: 0,
          escalatedAt: at(5),
        },
      },
    ]);
    expect(doc).toMatchObject({
      escalations: 1,
      escalatedAt: at(5),
      escalationCause: 'sla-breach',
    });
  });

  it('the first response takes the first-response deadline out of the range', async () => {
    const [doc] = await documents([requestOpened(), respond(2)]);
    expect(doc).toMatchObject({ firstRespondedAt: at(2), slaDueAt: at(24), responses: 1 });
  });

  it('waiting on the customer stops the clock: no deadline in the range', async () => {
    const [doc] = await documents([
      requestOpened(),
      {
        type: 'CaseStatusChanged',
        schemaVersion: 1,
        data: {
          caseId: 'r1',
          customerId: 'c1',
          status: 'waiting-on-customer',
          previousStatus: 'open',
          changedAt: at(1),
          firstResponseDueAt: at(4),
          resolutionDueAt: at(24),
        },
      },
    ]);
    expect(doc).toMatchObject({ slaDueAt: null, queueKey: `2|${t0}`, waitingSince: at(1) });
  });

  it('a resolved case leaves the queue and is listed under resolved', async () => {
    const [doc] = await documents([requestOpened(), resolve(10)]);
    expect(doc).toMatchObject({
      status: 'resolved',
      outcome: 'repair',
      satisfaction: 4,
      queueKey: null,
      slaDueAt: null,
      statusQueue: `resolved|${at(10)}`,
    });
  });

  it("a client's erasure takes their open cases out of every queue and range", async () => {
    const [doc] = await documents([
      requestOpened(),
      {
        type: 'CustomerErased',
        schemaVersion: 1,
        data: { customerId: 'c1', reason: 'gdpr', erasedAt: at(1) },
      } as CrmEvent,
    ]);
    expect(doc).toMatchObject({
      clientErased: true,
      queueKey: null,
      slaDueAt: null,
      customerQueue: null,
    });
  });

  it('a complaint is a case, with or without an SLA', async () => {
    const [doc] = await documents([
      {
        type: 'ComplaintRaised',
        schemaVersion: 1,
        data: {
          complaintId: 'k1',
          customerId: 'c1',
          category: 'billing',
          severity: 'low',
          description: sealed('charged twice'),
          raisedAt: t0,
        },
      },
    ]);
    expect(doc).toMatchObject({
      caseId: 'k1',
      kind: 'complaint',
      slaDueAt: null,
      queueKey: `2|${t0}`,
    });
  });

  it('a replay changes nothing', async () => {
    const events = log(requestOpened(), respond(2), resolve(10));
    const once = await spec.given(events).documents();
    const replayed = await spec.given(events).whenReplayed(0, events).documents();
    expect(replayed).toEqual(once);
  });

  it('figures: opened, resolved, hours to first response and resolution, SLA, satisfaction', async () => {
    const [doc] = await documents([
      requestOpened(),
      breach('first-response', at(4)),
      respond(6),
      resolve(10),
    ]);
    const figures = serviceFiguresFromTallies(
      serviceFiguresAggregation.contribution(doc!).values(),
    );
    expect(figures).toEqual([
      {
        kind: 'request',
        category: 'repair',
        opened: 1,
        resolved: 1,
        medianHoursToFirstResponse: 6,
        p90HoursToFirstResponse: 6,
        medianHoursToResolution: 10,
        p90HoursToResolution: 10,
        slaCompliance: 0.5,
        slaMet: 1,
        slaMissed: 1,
        reopenRate: 0,
        averageSatisfaction: 4,
        outcomes: { repair: 1 },
      },
    ]);
  });
});
