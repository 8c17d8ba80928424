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

export type AuditEvent = AccessDenied | CustomerDataViewed;

export const auditStreamId = (customerId?: string) =>
  customerId ? `audit-${customerId}` : 'audit-access';
