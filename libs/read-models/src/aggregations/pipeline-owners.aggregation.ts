import { fromMinor, OPEN_DEAL_STAGES, type DealStage } from '@rapport/domain';
import { addTally, count, type Aggregation, type Tally } from '../aggregation';
import type {
  Money,
  OwnerFigures,
  PipelineFigures,
  PipelineOptions,
  StageFigures,
} from '../analytics/pipeline.analytics';
import { DAY_MS, round } from '../analytics/time';
import type { PipelineDealDocument } from '../projections/pipeline-deal.document';

/** Aggregate key of a deal owner; deals without one share a key of their own. */
export const pipelineOwnerKey = (ownerId: string | null) =>
  ownerId === null ? 'no-owner' : `owner:${ownerId}`;

const ownerOfKey = (key: string): string | null =>
  key === 'no-owner' ? null : key.slice('owner:'.length);

/**
 * The pipeline per deal owner: open deals per stage (count, amount per currency), closed deals
 * (count, amount), and the sum of the won deals' cycle in milliseconds (exact integers, so
 * the mean is the same whatever order the deals were added in).
 */
export const pipelineOwnersAggregation: Aggregation<PipelineDealDocument> = {
  name: 'pipeline-owners',
  collection: 'pipeline_owner_tallies',
  contribution(deal) {
    const tally: Tally = {};
    if (deal.status === 'open') {
      count(tally, `open.${deal.stage}.count`);
      count(tally, `open.${deal.stage}.amount.${deal.currency}`, deal.amountMinor);
    } else {
      count(tally, `${deal.status}.count`);
      count(tally, `${deal.status}.amount.${deal.currency}`, deal.amountMinor);
      if (deal.status === 'won') {
        count(
          tally,
          'won.cycleMs',
          new Date(deal.closedAt!).getTime() - new Date(deal.openedAt).getTime(),
        );
      }
    }
    return new Map([[pipelineOwnerKey(deal.ownerId), tally]]);
  },
};

/** Minor units per currency from the sums named `${prefix}.${currency}`, added into `into`. */
function addCurrencies(into: Tally, sums: Tally, prefix: string, factor = 1): Tally {
  for (const [name, value] of Object.entries(sums))
    if (name.startsWith(`${prefix}.`)) count(into, name.slice(prefix.length + 1), value * factor);
  return into;
}

/** Money by currency code, in code order, from minor units (weighted sums are rounded). */
function toMoney(minorByCurrency: Tally): Money {
  const money: Money = {};
  for (const currency of Object.keys(minorByCurrency).sort())
    money[currency] = fromMinor(Math.round(minorByCurrency[currency]!), currency);
  return money;
}

const ratio = (won: number, lost: number) => (won + lost === 0 ? null : round(won / (won + lost)));
const meanCycleDays = (sums: Tally) =>
  (sums['won.count'] ?? 0) === 0
    ? null
    : round((sums['won.cycleMs'] ?? 0) / DAY_MS / sums['won.count']!, 2);

/** Open amounts over every stage, each weighted by its win probability when asked. */
function openMoney(sums: Tally, options?: PipelineOptions): Money {
  const minor: Tally = {};
  for (const stage of OPEN_DEAL_STAGES)
    addCurrencies(minor, sums, `open.${stage}.amount`, options?.stageProbabilities[stage] ?? 1);
  return toMoney(minor);
}

const stageMoney = (sums: Tally, stage: DealStage, factor = 1) =>
  toMoney(addCurrencies({}, sums, `open.${stage}.amount`, factor));

/**
 * GET /pipeline from the owners' tallies (summed over shards by the reader): the same figures
 * as computePipeline over the deal documents. `owners` lists every owner given.
 */
export function pipelineFromTallies(
  byOwnerKey: ReadonlyMap<string, Tally>,
  options: PipelineOptions,
): PipelineFigures {
  const total: Tally = {};
  for (const sums of byOwnerKey.values()) addTally(total, sums);
  const stages: StageFigures[] = OPEN_DEAL_STAGES.map((stage) => ({
    stage,
    count: total[`open.${stage}.count`] ?? 0,
    amount: stageMoney(total, stage),
    weightedAmount: stageMoney(total, stage, options.stageProbabilities[stage]),
  }));
  const owners: OwnerFigures[] = [...byOwnerKey]
    .map(([key, sums]) => ({ ownerId: ownerOfKey(key), sums }))
    .filter(({ sums }) => Object.keys(sums).length > 0)
    .sort((a, b) => String(a.ownerId).localeCompare(String(b.ownerId)))
    .map(({ ownerId, sums }) => ({
      ownerId,
      open: OPEN_DEAL_STAGES.reduce((n, stage) => n + (sums[`open.${stage}.count`] ?? 0), 0),
      amount: openMoney(sums),
      weightedAmount: openMoney(sums, options),
      won: sums['won.count'] ?? 0,
      lost: sums['lost.count'] ?? 0,
      winRate: ratio(sums['won.count'] ?? 0, sums['lost.count'] ?? 0),
      averageCycleDays: meanCycleDays(sums),
    }));
  return {
    stages,
    won: {
      count: total['won.count'] ?? 0,
      amount: toMoney(addCurrencies({}, total, 'won.amount')),
    },
    lost: {
      count: total['lost.count'] ?? 0,
      amount: toMoney(addCurrencies({}, total, 'lost.amount')),
    },
    winRate: ratio(total['won.count'] ?? 0, total['lost.count'] ?? 0),
    averageCycleDays: meanCycleDays(total),
    owners,
  };
}
