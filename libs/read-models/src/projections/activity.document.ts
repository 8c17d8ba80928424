import type { ActivityKind, ContactOutcome, Sealed } from '@rapport/domain';

export type ActivityStatus = 'open' | 'done' | 'cancelled';

/** One planned activity (the agenda's rows), kept current by every event of its stream. */
export interface ActivityDocument {
  id: string;
  position: number;
  activityId: string;
  customerId: string;
  ownerId: string | null;
  kind: ActivityKind;
  /** Sealed: opened only when shown to someone allowed to see it. */
  subject: Sealed | null;
  /** The plan's notes, replaced by the completion's notes when it has some. Sealed. */
  notes: Sealed | null;
  dueAt: string;
  durationMinutes: number | null;
  status: ActivityStatus;
  outcome: ContactOutcome | null;
  /** When it was done (business time), for a completed activity. */
  occurredAt: string | null;
  cancelReason: string | null;
  /** The contact a completed call, e-mail, meeting or visit recorded. */
  contactId: string | null;
  scheduledAt: string;
  /** How many times it was moved. */
  rescheduled: number;
  /**
   * rangeKey(customerId, time) where time is when it was done, else when it is (was) due: the
   * activity's place on the client's timeline (indexed, kept once closed).
   */
  customerAt: string;
  /** Range fields (indexed), null once closed, so that a closed activity is on no agenda. */
  openDueAt: string | null;
  /** rangeKey(ownerId or '', dueAt) while open: one owner's agenda in due order. */
  ownerOpenDue: string | null;
  /** rangeKey(customerId, dueAt) while open: one client's agenda in due order. */
  customerOpenDue: string | null;
}
