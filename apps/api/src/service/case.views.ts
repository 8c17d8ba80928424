import type { ServiceCaseDocument } from '@rapport/read-models';
import type { PersonalFields } from '../read-side/personal-data.presenter';

/** A case as the queue lists it and GET /cases/:id shows it. */
export function caseView(
  doc: ServiceCaseDocument,
  personal: PersonalFields,
  now: string,
  detail: boolean,
) {
  // An erased client's text is unreadable (key destroyed): null, whoever asks.
  const show = (value: ServiceCaseDocument['subject']) =>
    doc.clientErased ? null : personal.show(value);
  return {
    caseId: doc.caseId,
    customerId: doc.customerId,
    kind: doc.kind,
    category: doc.category,
    ...(doc.kind === 'request' && { type: doc.category }),
    severity: doc.severity,
    status: doc.status,
    assigneeId: doc.assigneeId,
    subject: show(doc.subject),
    ...(detail && {
      description: show(doc.description),
      resolution: show(doc.resolution),
      channel: doc.channel,
      productRef: doc.productRef,
    }),
    outcome: doc.outcome,
    satisfaction: doc.satisfaction,
    openedAt: doc.openedAt,
    firstRespondedAt: doc.firstRespondedAt,
    resolvedAt: doc.resolvedAt,
    responses: doc.responses,
    reopened: doc.reopened,
    escalations: doc.escalations,
    /** Escalated at opening (critical severity) or for a missed target; stays so. */
    escalated: doc.escalations > 0,
    escalatedAt: doc.escalatedAt,
    escalationCause: doc.escalationCause,
    /** Past a target: recorded (breached) or not yet recorded (a deadline before now). */
    overdue: doc.overdue || (doc.slaDueAt !== null && doc.slaDueAt < now),
    sla: {
      firstResponseHours: doc.firstResponseHours,
      resolutionHours: doc.resolutionHours,
      firstResponseDueAt: doc.firstResponseDueAt,
      resolutionDueAt: doc.resolutionDueAt,
      nextDeadline: doc.slaDueAt,
      nextTarget: doc.slaDueTarget,
      paused: doc.waitingSince !== null,
      waitingSince: doc.waitingSince,
      breaches: doc.breaches,
    },
    clientErased: doc.clientErased,
  };
}

/** Personal fields a page holds: what the audit trail records as shown or masked. */
export function casePersonalFields(docs: readonly ServiceCaseDocument[], detail: boolean) {
  const fields: string[] = [];
  if (docs.some((d) => d.subject !== null)) fields.push('case subjects');
  if (detail && docs.some((d) => d.description !== null)) fields.push('case descriptions');
  if (detail && docs.some((d) => d.resolution !== null)) fields.push('case resolutions');
  return fields;
}
