import type {
  ActivityDocument,
  Customer360Document,
  TimelineEntryDocument,
} from '@rapport/read-models';
import type { PersonalFields } from './personal-data.presenter';

export interface AgendaItemView {
  activityId: string;
  customerId: string;
  ownerId: string | null;
  kind: ActivityDocument['kind'];
  subject: string | null;
  notes: string | null;
  dueAt: string;
  overdue: boolean;
  durationMinutes: number | null;
  status: ActivityDocument['status'];
  rescheduled: number;
  scheduledAt: string;
}

export function agendaItemView(
  doc: ActivityDocument,
  personal: PersonalFields,
  now: string,
): AgendaItemView {
  return {
    activityId: doc.activityId,
    customerId: doc.customerId,
    ownerId: doc.ownerId,
    kind: doc.kind,
    subject: personal.show(doc.subject),
    notes: personal.show(doc.notes),
    dueAt: doc.dueAt,
    overdue: doc.status === 'open' && doc.dueAt < now,
    durationMinutes: doc.durationMinutes,
    status: doc.status,
    rescheduled: doc.rescheduled,
    scheduledAt: doc.scheduledAt,
  };
}

/** Personal fields an agenda page holds: what the audit trail records as shown or masked. */
export function agendaPersonalFields(docs: readonly ActivityDocument[]): string[] {
  const fields: string[] = [];
  if (docs.some((d) => d.subject !== null)) fields.push('activity subjects');
  if (docs.some((d) => d.notes !== null)) fields.push('activity notes');
  return fields;
}

export interface TimelineEntryView {
  entryId: string;
  kind: TimelineEntryDocument['kind'];
  type: string;
  at: string;
  planned: boolean;
  /** A planned activity whose due time has passed. */
  overdue: boolean;
  facts: TimelineEntryDocument['facts'];
  /** Personal text (subject, notes, description, resolution): opened, masked, or null once erased. */
  text: Record<string, string | null>;
}

export function timelineEntryView(
  entry: TimelineEntryDocument,
  personal: PersonalFields,
  erased: boolean,
  now: string,
): TimelineEntryView {
  const text: Record<string, string | null> = {};
  for (const [name, value] of Object.entries(entry.text))
    text[name] = erased ? null : personal.show(value);
  return {
    entryId: entry.id,
    kind: entry.kind,
    type: entry.type,
    at: entry.at,
    planned: entry.planned,
    overdue: entry.planned && entry.at < now,
    facts: { ...entry.facts },
    text,
  };
}

/** Personal text fields a timeline page holds, e.g. "contact subject". */
export function timelinePersonalFields(entries: readonly TimelineEntryDocument[]): string[] {
  const fields = new Set<string>();
  for (const entry of entries)
    for (const name of Object.keys(entry.text)) fields.add(`${entry.kind} ${name}`);
  return [...fields].sort();
}

export interface NextActivityView {
  activityId: string;
  kind: string;
  dueAt: string;
  ownerId: string | null;
}

/**
 * The 360 view's planned activities at `now`: the next one not yet due (soonest first), how
 * many open ones are past due, and the counts.
 */
export interface CustomerActivitiesView {
  nextActivity: NextActivityView | null;
  overdueActivities: number;
  activities: { open: number; scheduled: number; done: number; cancelled: number };
}

export function customerActivitiesView(
  doc: Customer360Document,
  now: Date,
): CustomerActivitiesView {
  const nowIso = now.toISOString();
  const activities = doc.activities;
  const open = Object.entries(activities?.open ?? {});
  const next = open
    .filter(([, activity]) => activity.dueAt >= nowIso)
    .sort(([idA, a], [idB, b]) =>
      a.dueAt !== b.dueAt ? (a.dueAt < b.dueAt ? -1 : 1) : idA < idB ? -1 : 1,
    )[0];
  const nextActivity: NextActivityView | null = next
    ? { activityId: next[0], kind: next[1].kind, dueAt: next[1].dueAt, ownerId: next[1].ownerId }
    : null;
  return {
    nextActivity,
    overdueActivities: open.filter(([, activity]) => activity.dueAt < nowIso).length,
    activities: {
      open: open.length,
      scheduled: activities?.scheduled ?? 0,
      done: activities?.done ?? 0,
      cancelled: activities?.cancelled ?? 0,
    },
  };
}
