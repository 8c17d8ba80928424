import {
  CRM_EVENT_CATALOGUE,
  isAuditEvent,
  isCrmEvent,
  type AuditEvent,
  type CrmEventType,
  type EventEnvelope,
} from '@rapport/domain';
import type { Projection } from '../projection';

/**
 * One entry per fact about a client: every change (an event of the client, their deals or
 * complaints), every view of their data and every refused access. Keyed so that a client's
 * entries sort chronologically: `<customerId>:<position padded>` (+ `:<n>` for one view of
 * several clients, which yields one entry per client).
 */
export interface AuditEntryDocument {
  id: string;
  position: number;
  customerId: string;
  kind: 'change' | 'view' | 'denied' | 'export';
  /** Event type: LeadCreated, CustomerDataViewed, AccessDenied... */
  type: string;
  eventId: string;
  streamId: string;
  actor: { id: string; roles: string[]; kind: string };
  /** When the log recorded it (record time). */
  at: string;
  /** When it happened (business time): differs from `at` for imported history. */
  occurredAt?: string;
  correlationId: string;
  source: string;
  purpose?: string;
  /** Views: which view, which personal fields were shown or masked, how many clients. */
  view?: string;
  fieldsShown?: string[];
  fieldsMasked?: string[];
  clients?: number;
  /** Changes: what happened, and which of the client's fields it touched. */
  summary?: string;
  fields?: readonly string[];
  /** Denials: the permission that was missing and the request. */
  permission?: string;
  request?: string;
  /** Bulk exports: what exported, with which filter, how many records, personal data sealed or opened. */
  export?: string;
  filter?: Record<string, string | number | null>;
  count?: number;
  personalData?: string;
  destination?: string;
}

/**
 * Which of the client's fields each change touches, for an auditor's "what was changed".
 * Keyed by every event type: a new event without its entry here does not compile.
 */
export const CHANGED_FIELDS: { readonly [T in CrmEventType]: readonly string[] } = {
  LeadCreated: ['name', 'email', 'phone', 'company', 'source', 'ownerId', 'status'],
  ContactLogged: ['contacts'],
  CustomerConverted: ['status'],
  CustomerChurned: ['status'],
  CustomerReactivated: ['status'],
  ConsentGranted: ['consents'],
  ConsentRevoked: ['consents'],
  OwnerAssigned: ['ownerId'],
  CustomerProfileCorrected: ['name', 'email', 'phone', 'company'],
  CustomerErased: ['name', 'email', 'phone', 'company', 'contacts', 'complaints', 'status'],
  DealOpened: ['deals'],
  DealStageChanged: ['deals'],
  DealWon: ['deals'],
  DealLost: ['deals'],
  ComplaintRaised: ['complaints'],
  ComplaintEscalated: ['complaints'],
  ComplaintResolved: ['complaints'],
  ActivityScheduled: ['activities'],
  ActivityRescheduled: ['activities'],
  ActivityReassigned: ['activities'],
  ActivityCompleted: ['activities'],
  ActivityCancelled: ['activities'],
  // Campaign facts: only a response names one client (an unsubscribe's consent is its own entry).
  CampaignPlanned: [],
  CampaignLaunched: [],
  CampaignClosed: [],
  CampaignCostRecorded: [],
  CampaignMembersAdded: ['campaigns'],
  CampaignResponseRecorded: ['campaigns'],
};
const pad = (position: number) => String(position).padStart(15, '0');

/** The customerId of entries that concern no single client (denials on /pipeline...). */
export const NO_CLIENT = '-';

export const auditEntryId = (customerId: string, position: number) =>
  `${customerId}:${pad(position)}`;

export const auditTrailProjection: Projection<AuditEntryDocument> = {
  name: 'audit-trail',
  // 3: entries of kind export (BulkDataExported).
  version: 4,
  collection: 'audit_entries',
  indexes: ['customerId', 'eventId', 'kind'],
  // An entry's key names its event's position: no event ever touches it again.
  writeOnce: true,

  keysOf(event: EventEnvelope): readonly string[] {
    if (isCrmEvent(event)) {
      const customerId = (event.data as { customerId?: string }).customerId;
      return customerId ? [auditEntryId(customerId, event.position)] : [];
    }
    if (!isAuditEvent(event)) return [];
    const audit = event as unknown as AuditEvent;
    switch (audit.type) {
      case 'CustomerDataViewed':
        return audit.data.customerIds.map((customerId) => auditEntryId(customerId, event.position));
      case 'AccessDenied':
        // A refusal not about one client is kept under NO_CLIENT, for GET /audit/denials.
        return [auditEntryId(audit.data.customerId ?? NO_CLIENT, event.position)];
      case 'BulkDataExported':
        // Covers many clients (or all of them): kept once, for GET /audit/exports.
        return [auditEntryId(NO_CLIENT, event.position)];
      case 'AuditCheckpointSealed':
      case 'MasterKeyRotated':
        // About the log and its keys, not about anyone's data: see GET /audit/integrity.
        return [];
      default: {
        const unknown: never = audit;
        throw new Error(`audit-trail does not know ${(unknown as { type: string }).type}`);
      }
    }
  },

  apply(_current, event, key) {
    const customerId = key.slice(0, key.indexOf(':'));
    const base = {
      id: key,
      position: event.position,
      customerId,
      type: event.type,
      eventId: event.id,
      streamId: event.streamId,
      actor: {
        id: event.metadata.actor.id,
        roles: event.metadata.actor.roles,
        kind: event.metadata.actor.kind,
      },
      at: event.recordedAt,
      occurredAt: event.occurredAt,
      correlationId: event.metadata.correlationId,
      source: event.metadata.source,
    };
    const audit = event as unknown as AuditEvent;
    if (audit.type === 'CustomerDataViewed') {
      return {
        ...base,
        kind: 'view',
        ...(audit.data.purpose !== undefined && { purpose: audit.data.purpose }),
        view: audit.data.view,
        fieldsShown: audit.data.fieldsShown,
        fieldsMasked: audit.data.fieldsMasked,
        clients: audit.data.customerIds.length,
      };
    }
    if (audit.type === 'BulkDataExported') {
      return {
        ...base,
        kind: 'export',
        export: audit.data.export,
        filter: audit.data.filter,
        count: audit.data.count,
        personalData: audit.data.personalData,
        destination: audit.data.destination,
      };
    }
    if (audit.type === 'AccessDenied') {
      return {
        ...base,
        kind: 'denied',
        ...(audit.data.purpose !== undefined && { purpose: audit.data.purpose }),
        permission: audit.data.permission,
        request: `${audit.data.method} ${audit.data.path}`,
      };
    }
    if (!isCrmEvent(event)) throw new Error(`audit-trail does not record ${event.type}`);
    const fields =
      event.type === 'CustomerProfileCorrected'
        ? event.data.correctedFields
        : CHANGED_FIELDS[event.type];
    return { ...base, kind: 'change', summary: CRM_EVENT_CATALOGUE[event.type].summary, fields };
  },
};
