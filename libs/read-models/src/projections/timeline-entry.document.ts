import type { Sealed } from '@rapport/domain';

/** What a timeline entry is about (the `kinds` filter of GET /customers/:id/timeline). */
export const TIMELINE_KINDS = [
  'contact',
  'activity',
  'deal',
  'complaint',
  'consent',
  'lifecycle',
  'campaign',
] as const;
export type TimelineKind = (typeof TIMELINE_KINDS)[number];

/** Plain facts of an entry (no personal data): shown to every reader of the timeline. */
export type TimelineFacts = Record<string, string | number | boolean | null>;

/**
 * One entry of a client's timeline: an event that happened (a contact, a deal won, a
 * consent). Activities (kind `activity`) come from the activities projection instead.
 */
export interface TimelineEntryDocument {
  id: string;
  position: number;
  customerId: string;
  kind: TimelineKind;
  /** The event the entry shows. */
  type: string;
  /** When it happened (business time). */
  at: string;
  facts: TimelineFacts;
  /** Personal free text (subject, notes, description, resolution), sealed. */
  text: Record<string, Sealed>;
  /** rangeKey(customerId, at): the client's timeline in time order (indexed). */
  customerAt: string;
  /** rangeKey(customerId, kind, at): one kind of entries in time order (indexed). */
  customerKindAt: string;
}
