// What internal services import to produce and consume Rapport's messages.
export * from './topics';
export * from './cloud-events';
export * from './envelope.codec';
export * from './ingest';
export type {
  Actor,
  EventEnvelope,
  EventMetadata,
  CrmEvent,
  CrmEventType,
  CrmEnvelope,
  CustomerEvent,
  DealEvent,
  ComplaintEvent,
  AuditEvent,
  Sealed,
} from '@rapport/domain';
export { CRM_EVENT_TYPES } from '@rapport/domain';
export * from './webhooks';
export type * from './read-api';
