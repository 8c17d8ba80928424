import { createHash } from 'node:crypto';
import type { IngestMessage } from '@rapport/contracts';

/** A deterministic UUID (v4 layout) from a name: the same history gives the same ids. */
export function uuidFrom(name: string): string {
  const hex = createHash('sha256').update(name).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export interface MigratedHistoryOptions {
  clients: number;
  /** The first client's creation; clients then arrive one a day. */
  start?: string;
  /** The sending system. */
  system?: string;
  /** Minutes between two clients' creations (default one day). */
  arrivalEveryMinutes?: number;
}

/**
 * The history of an older CRM as ingest messages with business time (occurredAt), one
 * command per line, as `rapport import` reads them. Client i (0-based) is created i days
 * (or i × arrivalEveryMinutes) after `start`, is called 2 days later, gets a deal opened on day i + 3 and won 10 days after
 * that (cycle: 10 days); every third client churns 40 days after creation.
 */
export function migratedHistory({
  clients,
  start = '2021-01-01T09:00:00.000Z',
  system = 'legacy-crm',
  arrivalEveryMinutes = 24 * 60,
}: MigratedHistoryOptions): IngestMessage[] {
  const day = 24 * 60 * 60 * 1000;
  const at = (base: number, days: number) => new Date(base + days * day).toISOString();
  const origin = Date.parse(start);
  const messages: IngestMessage[] = [];
  for (let i = 0; i < clients; i++) {
    const created = origin + i * arrivalEveryMinutes * 60_000;
    const customerId = uuidFrom(`${system}/customer/${i}`);
    const dealId = uuidFrom(`${system}/deal/${i}`);
    const key = (what: string) => `${i}/${what}`;
    messages.push(
      {
        command: 'CreateLead',
        idempotencyKey: key('lead'),
        system,
        targetId: customerId,
        occurredAt: at(created, 0),
        data: { name: `Client ${i}`, email: `client${i}@example.com`, source: 'legacy' },
      },
      {
        command: 'LogContact',
        idempotencyKey: key('call'),
        system,
        targetId: customerId,
        occurredAt: at(created, 2),
        data: { channel: 'call', direction: 'outbound', subject: 'First call' },
      },
      {
        command: 'OpenDeal',
        idempotencyKey: key('deal'),
        system,
        targetId: customerId,
        occurredAt: at(created, 3),
        data: { dealId, title: `Deal ${i}`, amount: 1000 + i, currency: 'EUR' },
      },
      {
        command: 'WinDeal',
        idempotencyKey: key('won'),
        system,
        targetId: dealId,
        occurredAt: at(created, 13),
        data: {},
      },
    );
    if (i % 3 === 0) {
      messages.push({
        command: 'ChurnCustomer',
        idempotencyKey: key('churn'),
        system,
        targetId: customerId,
        occurredAt: at(created, 40),
        data: { reason: 'moved to a competitor' },
      });
    }
  }
  return messages;
}

/** The messages as an NDJSON file's text. */
export const toNdjson = (messages: readonly unknown[]): string =>
  messages.map((message) => `${JSON.stringify(message)}\n`).join('');
