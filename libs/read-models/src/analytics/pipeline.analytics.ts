import { fromMinor, OPEN_DEAL_STAGES, type DealStage } from '@rapport/domain';
import type { PipelineDealDocument } from '../projections/pipeline-deal.document';
import { daysBetween, round } from './time';

export interface PipelineOptions {
  /** Probability that a deal in each open stage is won (weighted pipeline). */
  stageProbabilities: Record<DealStage, number>;
}

export type Money = Record<string, number>;

export interface StageFigures {
  stage: DealStage;
  count: number;
  amount: Money;
  weightedAmount: Money;
}

export interface PipelineFigures {
  stages: StageFigures[];
  won: { count: number; amount: Money };
  lost: { count: number; amount: Money };
  /** won / (won + lost); null before any deal closed. */
  winRate: number | null;
  /** Mean days from opening to winning, over won deals; null before any win. */
  averageCycleDays: number | null;
  owners: OwnerFigures[];
}

export interface OwnerFigures {
  ownerId: string | null;
  open: number;
  amount: Money;
  weightedAmount: Money;
  won: number;
  lost: number;
  winRate: number | null;
  averageCycleDays: number | null;
}

class MinorSums {
  private readonly sums = new Map<string, number>();
  add(currency: string, minor: number): void {
    this.sums.set(currency, (this.sums.get(currency) ?? 0) + minor);
  }
  toMoney(): Money {
    const money: Money = {};
    for (const [currency, minor] of [...this.sums].sort(([a], [b]) => (a < b ? -1 : 1))) {
      money[currency] = fromMinor(Math.round(minor), currency);
    }
    return money;
  }
}

interface OpenTally {
  count: number;
  amount: MinorSums;
  weighted: MinorSums;
}

interface Tally {
  stages: Map<DealStage, OpenTally>;
  open: OpenTally;
  won: { count: number; amount: MinorSums };
  lost: { count: number; amount: MinorSums };
  cycleDays: number[];
}

function emptyTally(): Tally {
  return {
    stages: new Map(OPEN_DEAL_STAGES.map((stage) => [stage, emptyOpen()])),
    open: emptyOpen(),
    won: { count: 0, amount: new MinorSums() },
    lost: { count: 0, amount: new MinorSums() },
    cycleDays: [],
  };
}

const emptyOpen = (): OpenTally => ({
  count: 0,
  amount: new MinorSums(),
  weighted: new MinorSums(),
});

function count(tally: Tally, deal: PipelineDealDocument, options: PipelineOptions): void {
  if (deal.status === 'open') {
    const weighted = deal.amountMinor * options.stageProbabilities[deal.stage];
    for (const open of [tally.stages.get(deal.stage)!, tally.open]) {
      open.count += 1;
      open.amount.add(deal.currency, deal.amountMinor);
      open.weighted.add(deal.currency, weighted);
    }
  } else if (deal.status === 'won') {
    tally.won.count += 1;
    tally.won.amount.add(deal.currency, deal.amountMinor);
    tally.cycleDays.push(daysBetween(deal.openedAt, deal.closedAt!));
  } else {
    tally.lost.count += 1;
    tally.lost.amount.add(deal.currency, deal.amountMinor);
  }
}

const winRate = (t: Tally) =>
  t.won.count + t.lost.count === 0 ? null : round(t.won.count / (t.won.count + t.lost.count));
const cycle = (t: Tally) =>
  t.cycleDays.length === 0
    ? null
    : round(t.cycleDays.reduce((a, b) => a + b, 0) / t.cycleDays.length, 2);

/** Pipeline figures over every deal document (see docs/read-models.md for the formulas). */
export function computePipeline(
  deals: Iterable<PipelineDealDocument>,
  options: PipelineOptions,
): PipelineFigures {
  const total = emptyTally();
  const byOwner = new Map<string | null, Tally>();
  for (const deal of deals) {
    count(total, deal, options);
    let owner = byOwner.get(deal.ownerId);
    if (!owner) byOwner.set(deal.ownerId, (owner = emptyTally()));
    count(owner, deal, options);
  }
  const stageFigures = (tally: Tally): StageFigures[] =>
    OPEN_DEAL_STAGES.map((stage) => {
      const s = tally.stages.get(stage)!;
      return {
        stage,
        count: s.count,
        amount: s.amount.toMoney(),
        weightedAmount: s.weighted.toMoney(),
      };
    });
  return {
    stages: stageFigures(total),
    won: { count: total.won.count, amount: total.won.amount.toMoney() },
    lost: { count: total.lost.count, amount: total.lost.amount.toMoney() },
    winRate: winRate(total),
    averageCycleDays: cycle(total),
    owners: [...byOwner]
      .sort(([a], [b]) => String(a).localeCompare(String(b)))
      .map(([ownerId, tally]) => ({
        ownerId,
        open: tally.open.count,
        amount: tally.open.amount.toMoney(),
        weightedAmount: tally.open.weighted.toMoney(),
        won: tally.won.count,
        lost: tally.lost.count,
        winRate: winRate(tally),
        averageCycleDays: cycle(tally),
      })),
  };
}
