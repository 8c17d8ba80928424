/**
 * Facts about access to client data. They are not decisions of the client's aggregates, so
 * they live in audit streams (audit-<customerId>, or audit-access when no single client is
 * concerned), never in the client's own stream.
 */
export type AccessDenied = {
  type: 'AccessDenied';
  schemaVersion: 1;
  data: {
    actorId: string;
    roles: string[];
    permission: string;
    method: string;
    path: string;
    customerId?: string;
    purpose?: string;
    at: string;
  };
};

export type CustomerDataViewed = {
  type: 'CustomerDataViewed';
  schemaVersion: 1;
  data: {
    actorId: string;
    roles: string[];
    /** The clients whose data the response contained. */
    customerIds: string[];
    /** Which view was served, e.g. "customer-360", "customer-list", "export". */
    view: string;
    /** Personal fields shown in clear, and those masked. */
    fieldsShown: string[];
    fieldsMasked: string[];
    purpose?: string;
    /** The read model position the response was built from. */
    position: number;
    at: string;
  };
};

/**
 * The head of the log's hash chain at a moment: what an outside witness keeps, so that a
 * log rewritten later (even with a fresh, valid chain) no longer matches it.
 */
export type AuditCheckpointSealed = {
  type: 'AuditCheckpointSealed';
  schemaVersion: 1;
  data: {
    /** Position, rank in the chain and hash of the newest event when sealed. */
    position: number;
    sequence: number;
    hash: string;
    /** The previous seal's position (0 for the first): seals form their own chain. */
    previousPosition: number;
    sealedAt: string;
  };
};

/** Every client data key was re-wrapped with a new master key; the old one opens nothing. */
export type MasterKeyRotated = {
  type: 'MasterKeyRotated';
  schemaVersion: 1;
  data: {
    /** Master key ids: the first 8 hex digits of the key's SHA-256, never the key. */
    previousMasterKeyId: string;
    masterKeyId: string;
    /** Keys re-wrapped by this run; keys already wrapped by the new key (a resumed run). */
    rewrapped: number;
    alreadyCurrent: number;
    startedAt: string;
    completedAt: string;
  };
};

/**
 * Client data left the system in bulk (the CLI's export-events): who, with which filter, how
 * many records, and whether personal data was in clear. The clients are not listed (an export
 * of the log covers all of them); the filter says which records went out.
 */
export type BulkDataExported = {
  type: 'BulkDataExported';
  schemaVersion: 1;
  data: {
    actorId: string;
    roles: string[];
    /** What exported: e.g. "export-events" (the CLI). */
    export: string;
    /** The filter as the exporter gave it, e.g. { from: 1, to: 500 } (positions). */
    filter: Record<string, string | number | null>;
    /** How many records were written. */
    count: number;
    /** Personal data in the export: still sealed with the clients' keys, or opened. */
    personalData: 'sealed' | 'opened';
    /** Where it went: a file name, or stdout. */
    destination: string;
    startedAt: string;
    at: string;
  };
};

export type AuditEvent =
  AccessDenied | CustomerDataViewed | AuditCheckpointSealed | MasterKeyRotated | BulkDataExported;
export type AuditEventType = AuditEvent['type'];

/**
 * The audit event catalogue: what each audit fact means, for the audit trail and the docs. A
 * typed record, so that a new member of AuditEvent without its entry does not compile.
 */
export const AUDIT_EVENT_CATALOGUE: { readonly [T in AuditEventType]: { summary: string } } = {
  AccessDenied: { summary: 'a request was refused for a missing permission' },
  CustomerDataViewed: { summary: "a person or service was shown clients' data" },
  AuditCheckpointSealed: { summary: "the head of the log's hash chain was sealed" },
  MasterKeyRotated: { summary: 'every client key was re-wrapped with a new master key' },
  BulkDataExported: { summary: 'client data was exported in bulk' },
};

export function isAuditEvent(event: { type: string }): event is AuditEvent {
  return Object.prototype.hasOwnProperty.call(AUDIT_EVENT_CATALOGUE, event.type);
}

export const auditStreamId = (customerId?: string) =>
  customerId ? `audit-${customerId}` : 'audit-access';

/** The stream of AuditCheckpointSealed events (its revision keeps sealing one at a time). */
export const AUDIT_CHECKPOINT_STREAM = 'audit-integrity';
/** The stream of BulkDataExported events. */
export const BULK_EXPORT_STREAM = 'audit-exports';
/** The stream of MasterKeyRotated events. */
export const MASTER_KEY_STREAM = 'audit-keys';
