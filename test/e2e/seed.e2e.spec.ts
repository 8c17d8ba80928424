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
