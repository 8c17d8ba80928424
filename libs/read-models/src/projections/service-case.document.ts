import type {
  CaseKind,
  CaseOutcome,
  CaseStatus,
  EscalationCause,
  Sealed,
  SlaTargetKind,
} from '@rapport/domain';

export interface ServiceCaseBreach {
  target: SlaTargetKind;
  cycle: number;
  dueAt: string;
  detectedAt: string;
}

/** One service case (a complaint or a request): the case document and the queue's row. */
export interface ServiceCaseDocument {
  id: string;
  position: number;
  caseId: string;
  customerId: string;
  kind: CaseKind;
  /** A complaint's category, a request's type. */
  category: string;
  severity: string;
  status: CaseStatus;
  channel: string | null;
  productRef: string | null;
  /** Sealed free text: opened only for roles that see personal data. */
  subject: Sealed | null;
  description: Sealed | null;
  resolution: Sealed | null;
  outcome: CaseOutcome | null;
  satisfaction: number | null;
  assigneeId: string | null;
  openedAt: string;
  firstRespondedAt: string | null;
  /** The latest resolution (after a reopening, the new one). */
  resolvedAt: string | null;
  responses: number;
  reopened: number;
  cycle: number;
  /** Escalations recorded: at opening for a critical case, and one per missed target. */
  escalations: number;
  /**
   * The case's first escalation, which later ones leave as it is: when, and why (`severity`
   * for a critical case escalated at opening, `sla-breach` for a missed target). Null until
   * the case is escalated.
   */
  escalatedAt: string | null;
  escalationCause: EscalationCause | null;
  /** The SLA promised (null for complaints raised before SLAs existed). */
  firstResponseHours: number | null;
  resolutionHours: number | null;
  /** Running deadlines: null once met or missed; frozen while waiting on the customer. */
  firstResponseDueAt: string | null;
  resolutionDueAt: string | null;
  waitingSince: string | null;
  breaches: ServiceCaseBreach[];
  /** Whether a target of the current cycle was missed while the case is open. */
  overdue: boolean;
  /** The client was erased: the case left every queue and deadline range. */
  clientErased: boolean;
  /**
   * Range fields (indexed), null when the case is in no queue (resolved, client erased):
   * `slaDueAt`: the earliest running deadline while the clock runs (the deadline processor's
   * range); `queueKey`: urgency, `0|<missed deadline>` for cases past a target, then
   * `1|<next deadline>`, then `2|<opened>` for cases whose clock stands or who have none;
   * the same per client, assignee, kind and status (rangeKey(x, queueKey)); resolved cases
   * are in `statusQueue` under `resolved`, newest first by `3|<inverted resolution time>`.
   */
  slaDueAt: string | null;
  slaDueTarget: SlaTargetKind | null;
  queueKey: string | null;
  customerQueue: string | null;
  assigneeQueue: string | null;
  kindQueue: string | null;
  statusQueue: string | null;
}
