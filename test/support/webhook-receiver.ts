import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  body: string;
  /** What the receiver answered. */
  status: number;
}

/**
 * How the receiver answers the n-th request (0-based): a status, 'hang' (never answers), or a
 * status sent after a while (a slow receiver).
 */
export type Behaviour = (
  n: number,
  body: string,
) => number | 'hang' | { status: number; afterMs: number };

/**
 * A local HTTP endpoint on 127.0.0.1 for webhook tests: records every request and answers as
 * its behaviour says; tests await conditions on what it received.
 */
export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  private waiters: (() => void)[] = [];
  private readonly hanging = new Set<() => void>();
  private requests = 0;
  private server!: Server;

  constructor(public behaviour: Behaviour = () => 204) {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const behaviour = this.behaviour(this.requests++, body);
        const answer = typeof behaviour === 'object' ? behaviour.status : behaviour;
        const answerNow = () => {
          if (answer === 'hang') {
            this.hanging.add(() => res.destroy());
            return;
          }
          if (answer >= 300 && answer < 400)
            res.setHeader('location', 'http://127.0.0.1:1/elsewhere');
          res.statusCode = answer;
          res.end();
        };
        // Recorded once answered (or, for 'hang', once received).
        const record = () => {
          this.received.push({
            headers: req.headers,
            body,
            status: answer === 'hang' ? 0 : answer,
          });
          this.wake();
        };
        if (typeof behaviour === 'object') {
          setTimeout(() => {
            record();
            answerNow();
          }, behaviour.afterMs);
          return;
        }
        record();
        answerNow();
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return this;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
  }

  /** The requests answered with a 2xx. */
  get accepted(): ReceivedWebhook[] {
    return this.received.filter((r) => r.status >= 200 && r.status < 300);
  }

  /** Resolves once `condition` holds for what was received (checked at every request). */
  async until(condition: (receiver: this) => boolean): Promise<void> {
    while (!condition(this)) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  async stop(): Promise<void> {
    for (const release of this.hanging) release();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}

/** Polls an async condition until it holds (for state only visible through the API). */
export async function eventually<T>(
  probe: () => Promise<T>,
  holds: (value: T) => boolean,
): Promise<T> {
  for (;;) {
    const value = await probe();
    if (holds(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/**
 * Webhook settings for tests against a local receiver: 127.0.0.1 allowed, retries within
 * milliseconds and never dead-lettered before the receiver recovers.
 */
export const LOCAL_WEBHOOK_ENV = {
  CRM_WEBHOOK_ALLOW_HOSTS: '127.0.0.1',
  CRM_WEBHOOK_RETRY_BASE_MS: '20',
  CRM_WEBHOOK_RETRY_MAX_MS: '200',
  CRM_WEBHOOK_MAX_ATTEMPTS: '100',
};
