import { SetMetadata } from '@nestjs/common';

export const READ_AUDIT_KEY = 'rapport:read-audit';

/**
 * How a read route is audited. Every GET route declares one (checked when the app starts,
 * see read-audit.coverage.ts): a read of client data cannot be added without its record.
 */
export type ReadAudit =
  /** The handler records what it showed (fields shown and masked) through AuditRecorder. */
  | { kind: 'records-views' }
  /** The interceptor records a view of the clients whose ids the answer carries. */
  | {
      kind: 'answer';
      view: string;
      customerIdsOf: (body: never) => Iterable<string | null | undefined>;
    }
  /** No client id and no personal data in the answer; the reason is listed in docs/audit.md. */
  | { kind: 'no-client-data'; reason: string };

/**
 * The answer names clients: a `CustomerDataViewed` (this view, the clients `customerIdsOf`
 * finds in the answer) is recorded before it goes out. One line per read endpoint, e.g.
 * `@AuditedRead('churn-risk', (body: ChurnRanking) => body.customers.map((c) => c.customerId))`.
 */
export function AuditedRead<T>(
  view: string,
  customerIdsOf: (body: T) => Iterable<string | null | undefined>,
) {
  const audit: ReadAudit = {
    kind: 'answer',
    view,
    customerIdsOf: customerIdsOf as (body: never) => Iterable<string>,
  };
  return SetMetadata(READ_AUDIT_KEY, audit);
}

/**
 * The handler records its own views through AuditRecorder (it knows which personal fields it
 * showed or masked); the interceptor refuses to send an answer if it did not.
 */
export const RecordsViews = () =>
  SetMetadata(READ_AUDIT_KEY, { kind: 'records-views' } satisfies ReadAudit);

/** A read whose answer holds no client id and no personal data: a deliberate, documented choice. */
export const NoClientData = (reason: string) =>
  SetMetadata(READ_AUDIT_KEY, { kind: 'no-client-data', reason } satisfies ReadAudit);
