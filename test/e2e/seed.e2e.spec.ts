import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InMemoryEventStore } from '@rapport/event-store/adapters';
import type { EventStore } from '@rapport/event-store';
import type { Sealed } from '@rapport/domain';
import type { PersonalDataCipher } from '@rapport/privacy';
import { DeferredSeal } from '../../apps/cli/src/seed/deferred-seal';
import {
  appendSynthetic,
  syntheticHistory,
  type SyntheticOptions,
} from '../../apps/cli/src/seed/synthetic-history';
import { startTestApi, TEST_MASTER_KEY } from '../support/api-harness';
import { runCliWith } from '../support/cli-runner';

/** A stand-in for encryption, deterministic: both histories compared below are sealed alike. */
const fakeSeal = (_customerId: string, text: string) => `enc:v1:${text}` as Sealed;

const NAME = /^(Ada|Grace|Alan|Edsger|Barbara|Donald|Frances|John|Margaret|Ken|Radia|Tim) \S+$/;

describe('rapport seed', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rapport-seed-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const cli = (...args: string[]) =>
    runCliWith({ CRM_DATA_DIR: dir, CRM_MASTER_KEY: TEST_MASTER_KEY }, ...args);

  it('writes a history the API reads like its own: every client named with its own key, read models equal to a rebuild, the hash chain whole', async () => {
    const seeded = await cli(
      '--json',
      'seed',
      '--customers',
      '60',
      '--start',
      '2025-01-01',
      '--days',
      '300',
    );
    expect(seeded.code).toBe(0);
    expect(seeded.json).toEqual(
      expect.objectContaining({ customers: 60, events: seeded.json.headPosition }),
    );

    const api = await startTestApi({ dataDir: dir });
    try {
      const head = seeded.json.headPosition as number;
      const list = await api.client.as('support').get(`/customers?limit=100&minPosition=${head}`);
      expect(list.status).toBe(200);
      const items = list.body.items as { customerId: string; name: string }[];
      expect(items).toHaveLength(60);
      // Each name was sealed with its client's key at the seed and opens with it now.
      expect(items.filter((item) => !NAME.test(item.name))).toEqual([]);
      const history = await api.eventStore.readAll({ after: 0, limit: head });
      // Every text sealed, even one handed out for a command of a later batch (an activity
      // planned in one batch and completed in another): no placeholder is left in the log…
      expect(
        history.filter((event) => JSON.stringify(event.data).includes('enc:pending:')),
      ).toEqual([]);
      // …so each client's 360 and timeline open in clear.
      for (const { customerId } of items) {
        for (const path of [`/customers/${customerId}`, `/customers/${customerId}/timeline`])
          expect({ path, status: (await api.client.as('support').get(path)).status }).toEqual({
            path,
            status: 200,
          });
      }
      const kinds = new Set(history.map((event) => event.type));
      for (const kind of [
        'LeadCreated',
        'ContactLogged',
        'DealWon',
        'ComplaintRaised',
        'ActivityScheduled',
        'ActivityCompleted',
      ])
        expect({ kind, seeded: kinds.has(kind) }).toEqual({ kind, seeded: true });
    } finally {
      await api.close();
    }

    const verify = await cli('--json', 'verify');
    expect(verify.code).toBe(0);
    const integrity = await cli('--json', 'verify', '--integrity');
    expect(integrity.code).toBe(0);
  });

  it('appends the same streams whatever the batch size: a batch keeps each client in order', async () => {
    const options: SyntheticOptions = {
      customers: 300,
      start: new Date('2025-01-01'),
      days: 200,
      seal: fakeSeal,
    };
    const oneByOne = new InMemoryEventStore();
    const batched = new InMemoryEventStore();
    const written = await appendSynthetic(oneByOne, syntheticHistory(options), { batchSize: 1 });
    expect(await appendSynthetic(batched, syntheticHistory(options), { batchSize: 500 })).toBe(
      written,
    );
    expect(await streamsOf(batched)).toEqual(await streamsOf(oneByOne));
  });

  it('mints time-ordered ids as the API does: each client, deal, case and activity id carries the moment it was created', async () => {
    const store = new InMemoryEventStore();
    await appendSynthetic(
      store,
      syntheticHistory({ customers: 50, start: new Date('2025-01-01'), days: 200, seal: fakeSeal }),
    );
    const history = await store.readAll({ after: 0, limit: 100_000 });
    const V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
    const millisOf = (id: string) => parseInt(id.replace('-', '').slice(0, 12), 16);
    const created = history.filter((event) =>
      [
        'LeadCreated',
        'DealOpened',
        'ComplaintRaised',
        'ServiceRequestOpened',
        'ActivityScheduled',
      ].includes(event.type),
    );
    expect(new Set(created.map((event) => event.type)).size).toBe(5);
    const mismatched = created
      .map((event) => ({
        type: event.type,
        id: event.streamId.slice(event.streamId.indexOf('-') + 1),
        at: event.occurredAt,
      }))
      .filter(({ id, at }) => !V7.test(id) || millisOf(id) !== Date.parse(at));
    expect(mismatched).toEqual([]);
    expect(history.filter((event) => !V7.test(event.id))).toEqual([]);
  });

  it('plans a dense agenda when asked: about the asked number of activities per client, each scheduled then done or called off, the rest of the history unchanged in kind', async () => {
    const options: SyntheticOptions = {
      customers: 200,
      start: new Date('2024-01-01'),
      days: 700,
      seal: fakeSeal,
    };
    const usual = new InMemoryEventStore();
    const dense = new InMemoryEventStore();
    await appendSynthetic(usual, syntheticHistory(options));
    await appendSynthetic(dense, syntheticHistory({ ...options, activitiesPerCustomer: 10 }));

    const usualCounts = await countsByType(usual);
    const denseCounts = await countsByType(dense);
    const perClient = (denseCounts.get('ActivityScheduled') ?? 0) / options.customers;
    expect(perClient).toBeGreaterThan(8);
    expect(perClient).toBeLessThan(12);
    const closed =
      (denseCounts.get('ActivityCompleted') ?? 0) + (denseCounts.get('ActivityCancelled') ?? 0);
    // Each client leaves at most one activity open at the end of the history.
    expect(denseCounts.get('ActivityScheduled')! - closed).toBeLessThanOrEqual(options.customers);
    // The clients' own stories keep their size (other draws, so not the same ones): the agenda
    // comes on top instead of crowding out deals and cases.
    expect(denseCounts.get('LeadCreated')).toBe(options.customers);
    for (const kind of ['DealOpened', 'ComplaintRaised', 'ServiceRequestOpened']) {
      const ratio = (denseCounts.get(kind) ?? 0) / (usualCounts.get(kind) ?? 1);
      expect({ kind, ratio }).toEqual({ kind, ratio: expect.closeTo(1, 0) });
    }
  });

  it('refuses a negative agenda density with a usage error', async () => {
    const refused = await cli('seed', '--customers', '5', '--activities', '-1');
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('--activities must be a number from 0 to 1,000');
  });

  it('seals every text, also one handed out for a command of a later batch', async () => {
    // A stand-in cipher: what matters is that every placeholder reaches it, in its own batch.
    const cipher = {
      sealCreatingKey: (customerId: string, texts: string[]) =>
        Promise.resolve(texts.map((text) => `enc:v1:${customerId}:${text}`)),
    } as unknown as PersonalDataCipher;
    const sealing = new DeferredSeal(cipher);
    const store = new InMemoryEventStore();
    const options = { customers: 300, start: new Date('2025-01-01'), days: 200 };
    await appendSynthetic(store, syntheticHistory({ ...options, seal: sealing.seal }), {
      batchSize: 50,
      settle: sealing.settle,
    });
    expect(sealing.pending).toBe(0);
    const unsealed = (await store.readAll({ after: 0, limit: 100_000 })).filter((event) =>
      JSON.stringify(event.data).includes('enc:pending:'),
    );
    expect(unsealed.map((event) => event.type)).toEqual([]);
    // The same history as sealed at once, text for text.
    const direct = new InMemoryEventStore();
    const seal = (customerId: string, text: string) => `enc:v1:${customerId}:${text}` as Sealed;
    await appendSynthetic(direct, syntheticHistory({ ...options, seal }), { batchSize: 50 });
    expect(await streamsOf(store)).toEqual(await streamsOf(direct));
  });
});

async function countsByType(store: EventStore): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const event of await store.readAll({ after: 0, limit: 1_000_000 }))
    counts.set(event.type, (counts.get(event.type) ?? 0) + 1);
  return counts;
}

/** Each stream's events (type and data), in stream order. */
async function streamsOf(store: EventStore): Promise<Map<string, unknown[]>> {
  const streams = new Map<string, unknown[]>();
  for (const event of await store.readAll({ after: 0, limit: 100_000 })) {
    const events = streams.get(event.streamId) ?? [];
    events.push({ type: event.type, data: event.data });
    streams.set(event.streamId, events);
  }
  return streams;
}
