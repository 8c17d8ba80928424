import {
  assertNever,
  caseIdOf,
  CRM_EVENT_CATALOGUE,
  isCrmEvent,
  type CaseEvent,
  type CustomerErased,
  type EnvelopeOf,
  type EventEnvelope,
  type SlaTargetKind,
} from '@rapport/domain';
import { serviceFiguresAggregation } from '../aggregations/service-figures.aggregation';
import type { Projection } from '../projection';
import { rangeKey, type RangeBounds } from '../read-store.port';
import type { ServiceCaseDocument } from './service-case.document';

export type * from './service-case.document';

const isErasure = (event: EventEnvelope): event is EnvelopeOf<CustomerErased> =>
  event.type === 'CustomerErased';

const isCaseEvent = (event: EventEnvelope): event is EnvelopeOf<CaseEvent> =>
  isCrmEvent(event) &&
  (CRM_EVENT_CATALOGUE[event.type].aggregate === 'case' ||
    CRM_EVENT_CATALOGUE[event.type].aggregate === 'complaint');

/** The queue key's first part: missed targets first, then by deadline, then the rest. */
export const QUEUE_OVERDUE = '0';
export const QUEUE_BY_DEADLINE = '1';
export const QUEUE_NO_DEADLINE = '2';

/** The earliest running deadline while the clock runs, and its target. */
function nextDeadline(doc: ServiceCaseDocument): [string, SlaTargetKind] | null {
  if (doc.status === 'resolved' || doc.clientErased || doc.waitingSince !== null) return null;
  const first = doc.firstResponseDueAt;
  const resolution = doc.resolutionDueAt;
  if (first !== null && (resolution === null || first <= resolution)) {
    return [first, 'first-response'];
  }
  return resolution !== null ? [resolution, 'resolution'] : null;
}

/** The range fields that follow from the case (see ServiceCaseDocument). */
function withRangeFields(doc: ServiceCaseDocument): ServiceCaseDocument {
  const overdue =
    doc.status !== 'resolved' && doc.breaches.some((breach) => breach.cycle === doc.cycle);
  const next = nextDeadline({ ...doc, overdue });
  const inQueue = doc.status !== 'resolved' && !doc.clientErased;
  let queueKey: string | null = null;
  if (inQueue) {
    const missed = doc.breaches
      .filter((breach) => breach.cycle === doc.cycle)
      .map((breach) => breach.dueAt)
      .sort()[0];
    queueKey =
      overdue && missed !== undefined
        ? `${QUEUE_OVERDUE}|${missed}`
        : next
          ? `${QUEUE_BY_DEADLINE}|${next[0]}`
          : `${QUEUE_NO_DEADLINE}|${doc.openedAt}`;
  }
  return {
    ...doc,
    overdue,
    slaDueAt: next ? next[0] : null,
    slaDueTarget: next ? next[1] : null,
    queueKey,
    customerQueue: queueKey && rangeKey(doc.customerId, queueKey),
    assigneeQueue: queueKey && rangeKey(doc.assigneeId ?? '', queueKey),
    kindQueue: queueKey && rangeKey(doc.kind, queueKey),
    statusQueue: queueKey
      ? rangeKey(doc.status, queueKey)
      : doc.status === 'resolved' && !doc.clientErased && doc.resolvedAt
        ? rangeKey('resolved', doc.resolvedAt)
        : null,
  };
}

/** A client's open cases: their part of customerQueue. */
export function openCasesOf(customerId: string): RangeBounds {
  return {
    orderBy: 'customerQueue',
    from: rangeKey(customerId, ''),
    to: rangeKey(customerId, '\uffff'),
  };
}

function opened(
  base: Pick<
    ServiceCaseDocument,
    | 'caseId'
    | 'customerId'
    | 'kind'
    | 'category'
    | 'severity'
    | 'channel'
    | 'productRef'
    | 'subject'
    | 'description'
    | 'openedAt'
    | 'firstResponseHours'
    | 'resolutionHours'
    | 'firstResponseDueAt'
    | 'resolutionDueAt'
  >,
): ServiceCaseDocument {
  return withRangeFields({
    id: base.caseId,
    position: 0,
    ...base,
    status: 'open',
    resolution: null,
    outcome: null,
    satisfaction: null,
    assigneeId: null,
    firstRespondedAt: null,
    resolvedAt: null,
    responses: 0,
    reopened: 0,
    cycle: 0,
    escalations: 0,
    escalatedAt: null,
    escalationCause: null,
    waitingSince: null,
    breaches: [],
    overdue: false,
    clientErased: false,
    slaDueAt: null,
    slaDueTarget: null,
    queueKey: null,
    customerQueue: null,
    assigneeQueue: null,
    kindQueue: null,
    statusQueue: null,
  });
}

/** A case whose opening was never seen (never, per stream order): kept with what is known. */
function unopened(event: EnvelopeOf<CaseEvent>): ServiceCaseDocument {
  return opened({
    caseId: caseIdOf(event),
    customerId: event.data.customerId,
    kind: event.streamId.startsWith('complaint-') ? 'complaint' : 'request',
    category: 'unknown',
    severity: 'medium',
    channel: null,
    productRef: null,
    subject: null,
    description: null,
    openedAt: event.recordedAt,
    firstResponseHours: null,
    resolutionHours: null,
    firstResponseDueAt: null,
    resolutionDueAt: null,
  });
}

/**
 * Service cases, one document per case (complaints and requests): the case document of
 * GET /cases/:id, the service queue (GET /cases) as index ranges over the urgency key, the
 * SLA deadline processor's range of running deadlines (`slaDueAt`), and the service figures
 * (per month of opening, kind and category) as an aggregation. A client's erasure takes their
 * open cases out of every queue and deadline range (no command may change them any more).
 */
export const serviceCasesProjection: Projection<ServiceCaseDocument> = {
  name: 'service-cases',
  version: 2,
  collection: 'service_cases',
  indexes: [
    'slaDueAt',
    'queueKey',
    'customerQueue',
    'assigneeQueue',
    'kindQueue',
    'statusQueue',
    'customerId',
    'assigneeId',
    'kind',
    'status',
  ],
  aggregations: [serviceFiguresAggregation],

  keysOf(event: EventEnvelope): readonly string[] {
    return isCaseEvent(event) ? [caseIdOf(event)] : [];
  },

  rangeOf(event: EventEnvelope): RangeBounds | undefined {
    return isErasure(event) ? openCasesOf(event.data.customerId) : undefined;
  },

  apply(current, envelope) {
    if (isErasure(envelope)) {
      if (!current) throw new Error('CustomerErased reached a case that does not exist');
      return withRangeFields({ ...current, clientErased: true });
    }
    const event = envelope as EnvelopeOf<CaseEvent>;
    const doc = () => current ?? unopened(event);
    switch (event.type) {
      case 'ComplaintRaised': {
        const { data } = event;
        return opened({
          caseId: data.complaintId,
          customerId: data.customerId,
          kind: 'complaint',
          category: data.category,
          severity: data.severity,
          channel: data.channel ?? null,
          productRef: null,
          subject: null,
          description: data.description,
          openedAt: data.raisedAt,
          firstResponseHours: data.firstResponseHours ?? null,
          resolutionHours: data.resolutionHours ?? null,
          firstResponseDueAt: data.firstResponseDueAt ?? null,
          resolutionDueAt: data.resolutionDueAt ?? null,
        });
      }
      case 'ServiceRequestOpened': {
        const { data } = event;
        return opened({
          caseId: data.caseId,
          customerId: data.customerId,
          kind: 'request',
          category: data.requestType,
          severity: data.severity,
          channel: data.channel ?? null,
          productRef: data.productRef ?? null,
          subject: data.subject,
          description: data.description,
          openedAt: data.openedAt,
          firstResponseHours: data.firstResponseHours,
          resolutionHours: data.resolutionHours,
          firstResponseDueAt: data.firstResponseDueAt,
          resolutionDueAt: data.resolutionDueAt,
        });
      }
      case 'ComplaintEscalated':
      case 'CaseEscalated': {
        // A complaint is escalated (ComplaintEscalated) only for its critical severity.
        const cause = event.type === 'CaseEscalated' ? event.data.cause : 'severity';
        const before = doc();
        return {
          ...before,
          escalations: before.escalations + 1,
          escalatedAt: before.escalatedAt ?? event.data.escalatedAt,
          escalationCause: before.escalationCause ?? cause,
        };
      }
      case 'ComplaintResolved':
      case 'CaseResolved': {
        const { data } = event;
        return withRangeFields({
          ...doc(),
          status: 'resolved',
          resolution: data.resolution,
          outcome: data.outcome ?? null,
          satisfaction: data.satisfaction ?? null,
          resolvedAt: data.resolvedAt,
          waitingSince: null,
          firstResponseDueAt: null,
          resolutionDueAt: null,
        });
      }
      case 'CaseAssigned':
        return withRangeFields({ ...doc(), assigneeId: event.data.assigneeId });
      case 'CaseResponded': {
        const before = doc();
        return withRangeFields({
          ...before,
          responses: before.responses + 1,
          firstRespondedAt: before.firstRespondedAt ?? event.data.respondedAt,
          firstResponseDueAt: null,
        });
      }
      case 'CaseStatusChanged': {
        const { data } = event;
        return withRangeFields({
          ...doc(),
          status: data.status,
          firstResponseDueAt: data.firstResponseDueAt,
          resolutionDueAt: data.resolutionDueAt,
          waitingSince: data.status === 'waiting-on-customer' ? data.changedAt : null,
        });
      }
      case 'CaseReopened': {
        const before = doc();
        return withRangeFields({
          ...before,
          status: 'open',
          cycle: event.data.cycle,
          reopened: before.reopened + 1,
          resolutionDueAt: event.data.resolutionDueAt,
          firstResponseDueAt: null,
          waitingSince: null,
        });
      }
      case 'CaseSlaBreached': {
        const { data } = event;
        const before = doc();
        return withRangeFields({
          ...before,
          breaches: [
            ...before.breaches,
            {
              target: data.target,
              cycle: data.cycle,
              dueAt: data.dueAt,
              detectedAt: data.detectedAt,
            },
          ],
          ...(data.target === 'first-response'
            ? { firstResponseDueAt: null }
            : { resolutionDueAt: null }),
        });
      }
      default:
        return assertNever(event, 'event type in service-cases');
    }
  },
};
