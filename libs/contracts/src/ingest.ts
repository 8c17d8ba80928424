/**
 * A command sent by an internal system, on topic crm.ingest or to POST /ingest. The `data`
 * of each command is exactly the body of the matching HTTP command (see docs/API.md), and
 * is validated the same way.
 */
export const INGEST_COMMANDS = [
  'CreateLead',
  'LogContact',
  'OpenDeal',
  'ChangeDealStage',
  'WinDeal',
  'LoseDeal',
  'RaiseComplaint',
  'ResolveComplaint',
  'ChurnCustomer',
  'SetConsent',
  'AssignOwner',
  'CorrectProfile',
  'EraseCustomer',
  'ScheduleActivity',
  'RescheduleActivity',
  'ReassignActivity',
  'CompleteActivity',
  'CancelActivity',
  'PlanCampaign',
  'LaunchCampaign',
  'CloseCampaign',
  'RecordCampaignCost',
  'AddCampaignMembers',
  'RecordCampaignResponse',
  'OpenServiceRequest',
  'AssignCase',
  'RespondToCase',
  'ChangeCaseStatus',
  'ResolveCase',
  'ReopenCase',
] as const;

export type IngestCommandType = (typeof INGEST_COMMANDS)[number];

export interface IngestMessage {
  command: IngestCommandType;
  /** Required: a retry with the same key (and the same system) records nothing new. */
  idempotencyKey: string;
  /** The sending system, e.g. "billing": recorded as actor "service:<system>" and source. */
  system: string;
  /**
   * The record addressed, as in the HTTP path: the customerId for CreateLead (optional,
   * generated if absent), LogContact, OpenDeal, RaiseComplaint, ChurnCustomer, SetConsent,
   * AssignOwner, CorrectProfile, EraseCustomer and ScheduleActivity; the dealId for
   * ChangeDealStage, WinDeal and LoseDeal; the complaintId for ResolveComplaint; the activityId
   * for RescheduleActivity, ReassignActivity, CompleteActivity and CancelActivity; the campaignId
   * for PlanCampaign (optional) and the other campaign commands; the customerId for
   * OpenServiceRequest; the caseId (a complaint's id is its case id) for AssignCase,
   * RespondToCase, ChangeCaseStatus, ResolveCase and ReopenCase. Each command
   * needs the same permission as its HTTP route (EraseCustomer: admin only, so a service sender
   * is refused). Key Kafka messages by the client's id so that one client's commands (an
   * OpenDeal, then its WinDeal) are handled in order.
   */
  targetId?: string;
  /** Correlates the resulting events with the sender's own trace. */
  correlationId?: string;
  /** Optimistic concurrency, like If-Match. */
  expectedRevision?: number;
  /**
   * Business time: when the command happened in the sending system (ISO 8601 with a zone),
   * e.g. the dates of a migrated history. Becomes the command's decision time and its events'
   * occurredAt. Not in the future (five minutes of clock skew tolerated). Service role only.
   * The same as `data.occurredAt`, which HTTP callers send in the body.
   */
  occurredAt?: string;
  /** W3C trace context of the sender (also accepted as the Kafka header `traceparent`). */
  traceparent?: string;
  data: Record<string, unknown>;
}

/**
 * What lands on crm.ingest.replies for each executed crm.ingest message (also one recorded
 * before: a resent message is answered again, the same): the answer POST /ingest gives, so a
 * sender learns what its command did, e.g. AddCampaignMembers' `added` and `skipped`.
 */
export interface IngestReply {
  system: string;
  idempotencyKey: string;
  command: IngestCommandType;
  correlationId?: string;
  /** True when the command was recorded before (nothing appended now). */
  duplicate: boolean;
  /** The answer body: ids, revision, position, events, and the command's own fields. */
  answer: Record<string, unknown>;
  answeredAt: string;
}

/** What lands on crm.ingest.dlq: the original message and why it was refused. */
export interface IngestDeadLetter {
  reason: string;
  code: string;
  details?: unknown;
  /** The message as received (text, possibly not JSON). */
  original: string;
  failedAt: string;
}
