import type { Sealed } from '@rapport/domain';
import type {
  ActivityDocument,
  Customer360Document,
  TimelineFacts,
  TimelineKind,
} from '@rapport/read-models';
import type { PersonalFields } from './personal-data.presenter';
import type { TimelineItem } from './timeline.service';

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
  kind: TimelineKind;
  type: string;
  at: string;
  /** An activity still open: planned, not done yet. */
  planned: boolean;
  /** A planned activity whose due time has passed. */
  overdue: boolean;
  facts: TimelineFacts;
  /** Personal text (subject, notes, description, resolution): opened, masked, or null once erased. */
  text: Record<string, string | null>;
}

const ACTIVITY_TYPES = {
  open: 'ActivityScheduled',
  done: 'ActivityCompleted',
  cancelled: 'ActivityCancelled',
} as const;

function shownText(
  sealedText: Record<string, Sealed | null>,
  personal: PersonalFields,
  erased: boolean,
): Record<string, string | null> {
  const text: Record<string, string | null> = {};
  for (const [name, value] of Object.entries(sealedText))
    if (value !== null) text[name] = erased ? null : personal.show(value);
  return text;
}

export function timelineItemView(
  item: TimelineItem,
  personal: PersonalFields,
  erased: boolean,
  now: string,
): TimelineEntryView {
  if (item.source === 'event') {
    const { entry } = item;
    return {
      entryId: entry.id,
      kind: entry.kind,
      type: entry.type,
      at: entry.at,
      planned: false,
      overdue: false,
      facts: { ...entry.facts },
      text: shownText(entry.text, personal, erased),
    };
  }
  const { activity } = item;
  const planned = activity.status === 'open';
  const facts: TimelineFacts = {
    activityId: activity.activityId,
    activityKind: activity.kind,
    status: activity.status,
    ownerId: activity.ownerId,
    dueAt: activity.dueAt,
  };
  if (activity.durationMinutes !== null) facts.durationMinutes = activity.durationMinutes;
  if (activity.outcome !== null) facts.outcome = activity.outcome;
  if (activity.contactId !== null) facts.contactId = activity.contactId;
  if (activity.cancelReason !== null) facts.cancelReason = activity.cancelReason;
  return {
    entryId: item.entryId,
    kind: 'activity',
    type: ACTIVITY_TYPES[activity.status],
    at: item.at,
    planned,
    overdue: planned && activity.dueAt < now,
    facts,
    text: shownText({ subject: activity.subject, notes: activity.notes }, personal, erased),
  };
}

/** Personal text fields a timeline page holds, e.g. "contact subject". */
export function timelinePersonalFields(items: readonly TimelineItem[]): string[] {
  const fields = new Set<string>();
  for (const item of items) {
    if (item.source === 'event')
      for (const name of Object.keys(item.entry.text)) fields.add(`${item.entry.kind} ${name}`);
    else {
      if (item.activity.subject !== null) fields.add('activity subject');
      if (item.activity.notes !== null) fields.add('activity notes');
    }
  }
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
