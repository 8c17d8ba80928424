import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Sealed } from '@rapport/domain';
import {
  documentCollection,
  liveTargets,
  PROJECTIONS,
  ProjectionRunner,
  type StoredDocument,
} from '@rapport/read-models';
import { SqliteReadStore } from '@rapport/read-models/adapters';
import { appendSynthetic, syntheticHistory } from '../../apps/cli/src/seed/synthetic-history';
import { startTestApi, type TestApi } from '../support/api-harness';
import { createLead, openDeal } from '../support/world';

const fakeSeal = (_: string, text: string) =>
  `enc:v1:${Buffer.from(text).toString('base64url')}` as Sealed;

/**
 * In-process requests (Fastify inject) answered from a cache never leave the microtask queue:
 * a loop of them would starve timers and the projector's messages. A real client cannot.
 */
const yieldToEventLoop = () => new Promise((resolve) => setImmediate(resolve));

async function documents(store: SqliteReadStore, collection: string): Promise<StoredDocument[]> {
  const all: StoredDocument[] = [];
  for await (const page of store.scan(collection)) all.push(...page);
  return all;
}

describe('side-by-side rebuild', () => {
  let api: TestApi;
  beforeEach(async () => {
    // The history is appended straight into the running API's store with revisions computed
    // beforehand; the SLA processor (which would record its past deadlines on the same case
    // streams meanwhile) runs only at start, before it.
    api = await startTestApi({ env: { CRM_SLA_CHECK_INTERVAL_MS: '3600000' } });
    await appendSynthetic(
      api.eventStore,
      syntheticHistory({
        customers: 2500,
        start: new Date('2025-01-01'),
        days: 300,
        seal: fakeSeal,
      }),
    );
    // 2,500 clients' history appended while the embedded projector keeps five projections
    // current beside it: longer than the default 30 s on a busy two-core machine.
  }, 60_000);
  afterEach(() => api.close());

  const admin = () => api.client.as('admin');
  const status = async (name: string) =>
    (await admin().get('/admin/projections')).body.projections.find(
      (p: { name: string }) => p.name === name,
    );

  it('rebuilds under load: queries never fail nor go backwards, the swap is atomic, the result equals a clean rebuild', async () => {
    const head = await api.eventStore.headPosition();
    const before = await api.client.as('analyst').get(`/pipeline?minPosition=${head}`);
    expect(before.status).toBe(200);

    let writing = true;
    const writes = (async () => {
      const customerId = await createLead(api.client);
      while (writing) {
        const dealId = await openDeal(api.client, customerId, { amount: 10 });
        await api.client.as('sales').post(`/deals/${dealId}/won`, {});
        await yieldToEventLoop();
      }
    })();
    let reading = true;
    const seen: number[] = [];
    // Collected, not asserted in the loop: a throw there would only end the loop quietly.
    const failures: string[] = [];
    const reads = (async () => {
      while (reading) {
        const response = await api.client.as('analyst').get('/pipeline');
        if (response.status === 200) seen.push(response.body.won.count);
        else failures.push(`${response.status} ${JSON.stringify(response.body)}`);
        await yieldToEventLoop();
      }
    })();

    let current;
    try {
      const started = await admin().post('/admin/projections/sales-pipeline/rebuild');
      expect(started.status).toBe(202);
      const deadline = Date.now() + 30_000;
      current = await status('sales-pipeline');
      while (current.generation !== 2 || current.rebuild?.status !== 'swapped') {
        if (Date.now() > deadline)
          throw new Error(`rebuild did not swap: ${JSON.stringify(current)}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
        current = await status('sales-pipeline');
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    } finally {
      writing = false;
      reading = false;
      await Promise.allSettled([writes, reads]);
    }
    expect(current.rebuild).toMatchObject({ status: 'swapped', generation: 2 });

    expect(failures).toEqual([]);
    expect(seen.length).toBeGreaterThan(5);
    // Never backwards: the figures read are already in order (a failure shows the sequence).
    expect(seen).toEqual([...seen].sort((a, b) => a - b));

    const finalHead = await api.eventStore.headPosition();
    await api.client.as('analyst').get(`/pipeline?minPosition=${finalHead}`);
    const dir = mkdtempSync(join(tmpdir(), 'rapport-clean-'));
    const clean = new SqliteReadStore(join(dir, 'read-models.db'));
    const live = new SqliteReadStore(join(api.dataDir, 'read-models.db'));
    try {
      const targets = await liveTargets(
        clean,
        PROJECTIONS.filter((p) => p.name === 'sales-pipeline'),
      );
      await new ProjectionRunner(api.eventStore, clean, targets, { until: finalHead }).run();
      const swapped = { projection: targets[0]!.projection, generation: 2, position: 0 };
      expect(await documents(live, documentCollection(swapped))).toEqual(
        await documents(clean, documentCollection(targets[0]!)),
      );
    } finally {
      await clean.close();
      await live.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('can be cancelled and resumes where it stopped', async () => {
    await admin().post('/admin/projections/customer-360/rebuild');
    const cancelled = await api.client
      .as('admin')
      .send('DELETE', '/admin/projections/customer-360/rebuild', undefined);
    expect(cancelled.status).toBe(202);
    // The cancel is accepted (202) and lands between two batches: wait until the rebuild has
    // either stopped (its generation paused) or finished before the cancel reached it.
    const pausedOrSwapped = (s: { generation: number; otherGenerations: { status: string }[] }) =>
      s.generation === 2 || s.otherGenerations.some((g) => g.status === 'paused');
    let current = await status('customer-360');
    const settled = Date.now() + 30_000;
    while (!pausedOrSwapped(current)) {
      if (Date.now() > settled) throw new Error(`cancel never landed: ${JSON.stringify(current)}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
      current = await status('customer-360');
    }
    if (current.generation === 1) {
      // Stopped before the swap: the paused generation waits with its checkpoint.
      await admin().post('/admin/projections/customer-360/rebuild');
    }
    const deadline = Date.now() + 30_000;
    while (current.generation !== 2) {
      if (Date.now() > deadline) throw new Error(`no swap: ${JSON.stringify(current)}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
      current = await status('customer-360');
    }
    expect(current.otherGenerations).toEqual([]);
    expect((await admin().post('/admin/projections/nope/rebuild')).status).toBe(404);
  }, 90_000);
});
