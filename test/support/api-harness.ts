import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { EVENT_STORE, type EventStore } from '@rapport/event-store';
import { createLogger, loadConfig, type Role } from '@rapport/platform';
import { HttpClient, TestClock, type Transport } from '@rapport/testing';
import { createApiApp } from '../../apps/api/src/api.factory';

export type TestRole = Role | 'nobody';

/** One API key per role, plus a valid key with no useful role for 403 checks. */
export const TEST_TOKENS: Record<TestRole, string> = {
  sales: 'test-token-sales-0001',
  support: 'test-token-support-0001',
  analyst: 'test-token-analyst-0001',
  auditor: 'test-token-auditor-0001',
  service: 'test-token-service-0001',
  admin: 'test-token-admin-0001',
  marketing: 'test-token-marketing-0001',
  nobody: 'test-token-nobody-0001',
};

export const TEST_MASTER_KEY = Buffer.alloc(32, 7).toString('base64');
export const TEST_JWT_SECRET = 'test-jwt-secret-of-at-least-32-characters';

export interface TestApi {
  client: HttpClient<TestRole>;
  app: NestFastifyApplication;
  eventStore: EventStore;
  clock: TestClock;
  dataDir: string;
  /** Stops the app and starts it again on the same data dir. */
  restart(): Promise<void>;
  /** Stops the app and deletes its data dir. */
  close(): Promise<void>;
}

export interface TestApiOptions {
  env?: Record<string, string>;
  clock?: TestClock;
  /** Start on this data dir (left in place by close) instead of a fresh one. */
  dataDir?: string;
  /**
   * Another API's log instead of this data dir's (left open by close): two API instances on
   * one log, as API processes share EventStoreDB in the distributed profile.
   */
  eventStore?: EventStore;
}

/** The embedded-profile API in-process, on a fresh data dir, driven through Fastify's inject. */
export async function startTestApi(options: TestApiOptions = {}): Promise<TestApi> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'rapport-e2e-'));
  const clock = options.clock ?? new TestClock();
  const apiKeys: Record<string, { actor: string; roles: string[] }> = {};
  for (const [role, token] of Object.entries(TEST_TOKENS)) {
    apiKeys[token] = { actor: `${role}-user`, roles: role === 'nobody' ? ['auditor'] : [role] };
  }
  // "nobody" is an auditor: authenticated, but may write nothing.
  const config = loadConfig({
    CRM_DATA_DIR: dataDir,
    CRM_API_KEYS: JSON.stringify(apiKeys),
    CRM_JWT_SECRET: TEST_JWT_SECRET,
    CRM_MASTER_KEY: TEST_MASTER_KEY,
    CRM_SQLITE_SYNCHRONOUS: 'NORMAL',
    LOG_LEVEL: 'silent',
    // No checkpoint appears in the log unless a test asks for it: many compare the head
    // before and after a request, and the test clock jumps by months.
    CRM_AUDIT_SEAL_EVERY_EVENTS: '0',
    CRM_AUDIT_SEAL_EVERY_MINUTES: '0',
    ...options.env,
  });
  const logger = createLogger('silent');

  let app: NestFastifyApplication;
  const boot = async () => {
    app = await createApiApp(config, {
      clock: clock.now,
      logger,
      ...(options.eventStore && { eventStore: options.eventStore }),
    });
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  };
  await boot();

  const transport: Transport = async (request) => {
    const response = await app
      .getHttpAdapter()
      .getInstance()
      .inject({
        method: request.method as 'GET',
        url: request.url,
        headers: request.headers,
        ...(request.payload !== undefined && { payload: request.payload }),
      });
    return { statusCode: response.statusCode, body: response.body, headers: response.headers };
  };

  const harness: TestApi = {
    client: new HttpClient<TestRole>(transport, TEST_TOKENS),
    get app() {
      return app;
    },
    get eventStore() {
      return app.get<EventStore>(EVENT_STORE);
    },
    clock,
    dataDir,
    restart: async () => {
      await app.close();
      await boot();
    },
    close: async () => {
      await app.close();
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return harness;
}
