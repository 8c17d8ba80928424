import { isCrmEvent, type CrmEnvelope, type EventEnvelope } from '@rapport/domain';

/** A field's value as events record it: personal values stay sealed (`enc:...`) here. */
export type FieldValue = string | number | boolean | null;

/** One field a change set: from what (null when it had no value) to what. */
export interface FieldChange {
  field: string;
  from: FieldValue;
  to: FieldValue;
}

/**
 * Fields of the client's own records are named by record: `deals.<dealId>.stage`,
 * `complaints.<id>.status`, `activities.<id>.dueAt`, `contacts.<id>.subject`, `consents.<purpose>`.
 */
type FieldsSet = Record<string, FieldValue | undefined>;

const deal = (id: string, fields: FieldsSet) => prefixed(`deals.${id}`, fields);
const complaint = (id: string, fields: FieldsSet) => prefixed(`complaints.${id}`, fields);
const activity = (id: string, fields: FieldsSet) => prefixed(`activities.${id}`, fields);
const contact = (id: string, fields: FieldsSet) => prefixed(`contacts.${id}`, fields);

function prefixed(prefix: string, fields: FieldsSet): FieldsSet {
  return Object.fromEntries(
    Object.entries(fields).map(([name, value]) => [`${prefix}.${name}`, value]),
  );
}

/**
 * The fields one event sets, with their new values (undefined: not set by this event).
 * Exhaustive over the event catalogue: a new event type does not compile until it says here
 * which fields it changes.
 */
export function fieldsSetBy(event: CrmEnvelope): FieldsSet {
  switch (event.type) {
    case 'LeadCreated':
      return {
        name: event.data.name,
        email: event.data.email ?? null,
        phone: event.data.phone ?? null,
        company: event.data.company ?? null,
        source: event.data.source,
        ownerId: event.data.ownerId ?? null,
        campaignId: event.data.campaignId ?? null,
        status: 'lead',
      };
    case 'ContactLogged':
      return contact(event.data.contactId, {
        channel: event.data.channel,
        direction: event.data.direction,
        subject: event.data.subject,
        notes: event.data.notes,
        outcome: event.data.outcome,
        durationMinutes: event.data.durationMinutes,
        occurredAt: event.data.occurredAt,
      });
    case 'CustomerConverted':
      return { status: 'customer' };
    case 'CustomerChurned':
      return { status: 'churned' };
    case 'CustomerReactivated':
      return { status: event.data.status };
    case 'ConsentGranted':
      return { [`consents.${event.data.purpose}`]: true };
    case 'ConsentRevoked':
      return { [`consents.${event.data.purpose}`]: false };
    case 'OwnerAssigned':
      return { ownerId: event.data.ownerId };
    case 'CustomerProfileCorrected':
      return { ...event.data.changes };
    case 'CustomerErased':
      return { name: null, email: null, phone: null, company: null, status: 'erased' };
    case 'DealOpened':
      return deal(event.data.dealId, {
        title: event.data.title,
        amount: event.data.amount,
        currency: event.data.currency,
        stage: event.data.stage,
        ownerId: event.data.ownerId,
        campaignId: event.data.campaignId,
        status: 'open',
      });
    case 'DealStageChanged':
      return deal(event.data.dealId, { stage: event.data.to });
    case 'DealWon':
      return deal(event.data.dealId, {
        status: 'won',
        amount: event.data.amount,
        currency: event.data.currency,
      });
    case 'DealLost':
      return deal(event.data.dealId, { status: 'lost' });
    case 'ComplaintRaised':
      return complaint(event.data.complaintId, {
        category: event.data.category,
        severity: event.data.severity,
        description: event.data.description,
        channel: event.data.channel,
        status: 'open',
      });
    case 'ComplaintEscalated':
      return complaint(event.data.complaintId, { escalated: true });
    case 'ComplaintResolved':
      return complaint(event.data.complaintId, {
        status: 'resolved',
        resolution: event.data.resolution,
        satisfaction: event.data.satisfaction,
      });
    case 'ActivityScheduled':
      return activity(event.data.activityId, {
        kind: event.data.kind,
        subject: event.data.subject,
        notes: event.data.notes,
        dueAt: event.data.dueAt,
        ownerId: event.data.ownerId,
        durationMinutes: event.data.durationMinutes,
        status: 'planned',
      });
    case 'ActivityRescheduled':
      return activity(event.data.activityId, { dueAt: event.data.dueAt });
    case 'ActivityReassigned':
      return activity(event.data.activityId, { ownerId: event.data.ownerId });
    case 'ActivityCompleted':
      return activity(event.data.activityId, {
        status: 'done',
        outcome: event.data.outcome,
        notes: event.data.notes,
      });
    case 'ActivityCancelled':
      return activity(event.data.activityId, { status: 'cancelled' });
    case 'CampaignResponseRecorded':
      return {
        [`campaigns.${event.data.campaignId}.lastResponse`]: event.data.response,
        [`campaigns.${event.data.campaignId}.lastResponseAt`]: event.data.occurredAt,
      };
    case 'CampaignMembersAdded':
    case 'CampaignPlanned':
    case 'CampaignLaunched':
    case 'CampaignClosed':
    case 'CampaignCostRecorded':
      // Not on the client's streams: no field of theirs.
      return {};
    default: {
      const unknown: never = event;
      throw new Error(`no field history for ${(unknown as { type: string }).type}`);
    }
  }
}

/**
 * Field-level history of one client: folds their events (their own, their deals', complaints'
 * and activities', in log order) into the current value of every field, and returns, by event
 * id, the fields each change set, from the value before to the value after. A field set to
 * the value it already had is not a change.
 */
export function fieldHistory(events: readonly EventEnvelope[]): Map<string, FieldChange[]> {
  const current = new Map<string, FieldValue>();
  const history = new Map<string, FieldChange[]>();
  for (const event of events) {
    if (!isCrmEvent(event)) continue;
    const changes: FieldChange[] = [];
    for (const [field, to] of Object.entries(fieldsSetBy(event))) {
      if (to === undefined) continue;
      const from = current.get(field) ?? null;
      if (from === to) continue;
      changes.push({ field, from, to });
      current.set(field, to);
    }
    history.set(event.id, changes);
  }
  return history;
}
