import type { CrmEvent, EventEnvelope } from '@rapport/domain';
import { EventLogBuilder, sealed } from '@rapport/testing';
import { InMemoryReadStore } from '../adapters/in-memory.read-store';
import { addTally, type AggregateDocument, type Tally } from '../aggregation';
import { liveTargets } from '../engine/projection-runner';
import { ProjectionSession } from '../engine/projection-session';
import { aggregateCollection, documentCollection } from '../engine/projection-target';
import { campaignAttributionProjection } from '../projections/campaign-attribution.projection';
import { campaignsProjection } from '../projections/campaigns.projection';

/** mulberry32: reproducible pseudo-random numbers in [0, 1). */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CAMPAIGNS = ['k0', 'k1', 'k2'];
const RESPONSES = ['opened', 'clicked', 'unsubscribed', 'registered'] as const;

/** A busy marketing log: campaigns, leads naming them, members, responses, deals won and lost. */
function marketingLog(seed: number): EventEnvelope[] {
  const random = seededRandom(seed);
  const log = new EventLogBuilder('2026-01-01T00:00:00.000Z');
  const day = (d: number) => new Date(Date.UTC(2026, 0, 1 + d, 9)).toISOString();
  const append = (event: CrmEvent) => log.append(event);
  for (const campaignId of CAMPAIGNS) {
    append({
      type: 'CampaignPlanned',
      schemaVersion: 1,
      data: {
        campaignId,
        name: campaignId,
        channel: 'email',
        startsAt: day(0),
        purpose: 'marketing',
        plannedAt: day(0),
      },
    });
    append({
      type: 'CampaignLaunched',
      schemaVersion: 1,
      data: { campaignId, launchedAt: day(0) },
    });
  }
  for (let c = 0; c < 12; c++) {
    const customerId = `c${c}`;
    const named = random() < 0.4 ? CAMPAIGNS[c % 3] : undefined;
    append({
      type: 'LeadCreated',
      schemaVersion: 1,
      data: {
        customerId,
        name: sealed('x'),
        source: ['web', 'fair'][c % 2]!,
        ...(named && { campaignId: named }),
        createdAt: day(c),
      },
    });
    const campaignId = CAMPAIGNS[Math.floor(random() * 3)]!;
    append({
      type: 'CampaignMembersAdded',
      schemaVersion: 1,
      data: { campaignId, customerIds: [customerId], skipped: [], addedAt: day(c) },
    });
    for (let r = 0; r < 3; r++) {
      if (random() < 0.5) continue;
      append({
        type: 'CampaignResponseRecorded',
        schemaVersion: 1,
        data: {
          campaignId,
          customerId,
          response: RESPONSES[Math.floor(random() * RESPONSES.length)]!,
          occurredAt: day(c + r + 1),
          recordedAt: day(c + r + 1),
        },
      });
    }
    const dealId = `d${c}`;
    append({
      type: 'DealOpened',
      schemaVersion: 1,
      data: {
        dealId,
        customerId,
        title: 't',
        amount: 100 + c,
        currency: 'EUR',
        stage: 'qualification',
        openedAt: day(c + 5),
      },
    });
    if (random() < 0.6) {
      append({
        type: 'DealWon',
        schemaVersion: 1,
        data: {
          dealId,
          customerId,
          amount: 100 + c,
          currency: 'EUR',
          openedAt: day(c + 5),
          wonAt: day(c + 9),
        },
      });
      append({
        type: 'CustomerConverted',
        schemaVersion: 1,
        data: { customerId, dealId, convertedAt: day(c + 9) },
      });
    } else {
      append({
        type: 'DealLost',
        schemaVersion: 1,
        data: {
          dealId,
          customerId,
          reason: 'price',
          stage: 'qualification',
          openedAt: day(c + 5),
          lostAt: day(c + 8),
        },
      });
    }
  }
  for (const campaignId of CAMPAIGNS) {
    append({
      type: 'CampaignCostRecorded',
      schemaVersion: 1,
      data: { campaignId, amount: 50, currency: 'EUR', at: day(30) },
    });
    append({ type: 'CampaignClosed', schemaVersion: 1, data: { campaignId, closedAt: day(30) } });
  }
  return log.events;
}

const partitionOf = (event: EventEnvelope, partitions: number) =>
  [...event.metadata.customerId!].reduce((sum, ch) => sum + ch.charCodeAt(0), 0) % partitions;

const PROJECTIONS = [campaignsProjection, campaignAttributionProjection];

/** Documents and tallies summed over shards: what the queries read. */
async function figures(store: InMemoryReadStore) {
  const targets = await liveTargets(store, PROJECTIONS);
  const result: Record<string, unknown> = {};
  for (const target of targets) {
    const docs = [];
    for await (const page of store.scan(documentCollection(target))) docs.push(...page);
    result[target.projection.name] = docs.map(({ position: _p, ...doc }) => doc);
    for (const aggregation of target.projection.aggregations ?? []) {
      const sums = new Map<string, Tally>();
      for await (const page of store.scan<AggregateDocument>(
        aggregateCollection(target, aggregation),
      ))
        for (const doc of page) sums.set(doc.key, addTally(sums.get(doc.key) ?? {}, doc.sums));
      result[aggregation.name] = [...sums].filter(([, t]) => Object.keys(t).length > 0).sort();
    }
  }
  return result;
}

async function inOrder(events: EventEnvelope[]) {
  const store = new InMemoryReadStore();
  const session = new ProjectionSession(store, await liveTargets(store, PROJECTIONS));
  await session.apply(events);
  await session.flush();
  return figures(store);
}

/** As the Kafka projector: one queue per partition (key: metadata.customerId), interleaved. */
async function partitioned(events: EventEnvelope[], partitions: number, seed: number) {
  const random = seededRandom(seed);
  const store = new InMemoryReadStore();
  const targets = await liveTargets(store, PROJECTIONS);
  const queues = Array.from({ length: partitions }, () => [] as EventEnvelope[]);
  for (const event of events) queues[partitionOf(event, partitions)]!.push(event);
  while (queues.some((q) => q.length > 0)) {
    const waiting = queues.flatMap((q, i) => (q.length > 0 ? [i] : []));
    const partition = waiting[Math.floor(random() * waiting.length)]!;
    const batch = queues[partition]!.splice(0, 1 + Math.floor(random() * 4));
    for (let delivery = 0; delivery < (random() < 0.25 ? 2 : 1); delivery++) {
      const session = new ProjectionSession(store, targets, {
        partitioned: true,
        shard: `p${partition}`,
      });
      await session.apply(batch);
      await session.flush();
    }
  }
  return figures(store);
}

describe('campaign figures are the same however the log is delivered', () => {
  it.each([1, 2, 3, 4, 5])(
    'per partition (a campaign keyed by its id, a response by its member), interleaved and redelivered: seed %i',
    async (seed) => {
      const events = marketingLog(seed);
      const expected = await inOrder(events);
      expect((expected['campaign-performance'] as unknown[]).length).toBeGreaterThan(0);
      for (const partitions of [2, 3, 5]) {
        expect(await partitioned(events, partitions, seed * 31 + partitions)).toEqual(expected);
      }
    },
  );
});
