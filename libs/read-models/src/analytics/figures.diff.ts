import type { DealStage } from '@rapport/domain';
import type { Customer360Document } from '../projections/customer-360.document';
import type { PipelineDealDocument } from '../projections/pipeline-deal.document';
import {
  churnRisk,
  DEFAULT_CHURN_RISK_OPTIONS,
  type ChurnRiskOptions,
} from './churn-risk.analytics';
import { computePipeline } from './pipeline.analytics';
import { computeRetention } from './retention.analytics';
import { computeSegments } from './segments.analytics';
import type { Tally } from '../aggregation';
import { campaignKey } from '../aggregations/campaign-performance.aggregation';
import type { CampaignDocument } from '../projections/campaign.document';
import { campaignPerformance } from './campaigns.analytics';

/** Which campaign a won deal's revenue goes to (both are kept; the model picks one). */
export const ATTRIBUTION_MODELS = ['first-touch', 'last-touch'] as const;
export type AttributionModel = (typeof ATTRIBUTION_MODELS)[number];

/** The knobs an analyst may turn in a replay sandbox. */
export interface AnalyticsOptions {
  churn: ChurnRiskOptions;
  stageProbabilities: Record<DealStage, number>;
  currency: string;
  /** Absent in sandboxes made before campaigns: first-touch. */
  attribution?: AttributionModel;
}

/** Campaigns and their performance tallies (key: campaignKey(id)). */
export interface CampaignFiguresInput {
  campaigns: CampaignDocument[];
  tallies: ReadonlyMap<string, Tally>;
}

export interface FiguresInput {
  customers: Customer360Document[];
  deals: PipelineDealDocument[];
  options: AnalyticsOptions;
  campaigns?: CampaignFiguresInput;
}

/**
 * Each campaign's figures under the input's attribution model, in its currency: deals won,
 * revenue and return on spend of the model, by campaign id.
 */
export function attributedCampaignFigures(input: FiguresInput) {
  const model = input.options.attribution ?? 'first-touch';
  const figures = new Map<
    string,
    { name: string; dealsWon: number; revenue: number; returnOnSpend: number | null }
  >();
  for (const doc of input.campaigns?.campaigns ?? []) {
    const performance = campaignPerformance(
      doc,
      input.campaigns?.tallies.get(campaignKey(doc.campaignId)) ?? {},
      input.options.currency,
    );
    const pick = model === 'first-touch' ? 'firstTouch' : 'lastTouch';
    figures.set(doc.campaignId, {
      name: doc.name,
      dealsWon: performance.dealsWon[pick],
      revenue: performance.revenue[pick],
      returnOnSpend: performance.returnOnSpend[pick],
    });
  }
  return figures;
}

export interface MetricDifference {
  metric: string;
  live: unknown;
  sandbox: unknown;
}

export interface ClientDifference {
  customerId: string;
  metric: 'churnRisk' | 'segment' | 'status';
  live: unknown;
  sandbox: unknown;
}

export interface FiguresDiff {
  metrics: MetricDifference[];
  clients: ClientDifference[];
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Parses k=v options of a replay (`churn.noWinMonths=6`, `stage.proposal=0.5`, `currency=USD`). */
export function parseAnalyticsOptions(
  pairs: readonly string[],
  defaults: AnalyticsOptions,
): AnalyticsOptions {
  const options: AnalyticsOptions = {
    churn: { ...defaults.churn },
    stageProbabilities: { ...defaults.stageProbabilities },
    currency: defaults.currency,
    ...(defaults.attribution !== undefined && { attribution: defaults.attribution }),
  };
  for (const pair of pairs) {
    const [key, raw] = pair.split('=', 2) as [string, string | undefined];
    if (raw === undefined) throw new Error(`option "${pair}" must be key=value`);
    const value = Number(raw);
    if (key === 'currency') {
      options.currency = raw;
    } else if (key === 'attribution') {
      const model = raw.endsWith('-touch') ? raw : `${raw}-touch`;
      if (!(ATTRIBUTION_MODELS as readonly string[]).includes(model))
        throw new Error('attribution must be first or last (first-touch, last-touch)');
      options.attribution = model as AttributionModel;
    } else if (key.startsWith('churn.') && key.slice(6) in DEFAULT_CHURN_RISK_OPTIONS) {
      if (!Number.isFinite(value) || value < 0) throw new Error(`${key} must be a number >= 0`);
      options.churn[key.slice(6) as keyof ChurnRiskOptions] = value;
    } else if (key.startsWith('stage.') && key.slice(6) in options.stageProbabilities) {
      if (!Number.isFinite(value) || value < 0 || value > 1)
        throw new Error(`${key} must be a probability from 0 to 1`);
      options.stageProbabilities[key.slice(6) as DealStage] = value;
    } else {
      throw new Error(
        `unknown option "${key}": use churn.${Object.keys(DEFAULT_CHURN_RISK_OPTIONS).join('|churn.')}, stage.<stage>, currency, attribution`,
      );
    }
  }
  return options;
}

/** Every figure of the analytics, metric by metric and client by client, live against sandbox. */
export function diffFigures(live: FiguresInput, sandbox: FiguresInput, now: Date): FiguresDiff {
  const metrics: MetricDifference[] = [];
  const compare = (metric: string, a: unknown, b: unknown) => {
    if (!same(a, b)) metrics.push({ metric, live: a, sandbox: b });
  };
  const pipelineLive = computePipeline(live.deals, {
    stageProbabilities: live.options.stageProbabilities,
  });
  const pipelineSandbox = computePipeline(sandbox.deals, {
    stageProbabilities: sandbox.options.stageProbabilities,
  });
  for (const [i, stage] of pipelineLive.stages.entries()) {
    compare(`pipeline.${stage.stage}.count`, stage.count, pipelineSandbox.stages[i]!.count);
    compare(`pipeline.${stage.stage}.amount`, stage.amount, pipelineSandbox.stages[i]!.amount);
    compare(
      `pipeline.${stage.stage}.weightedAmount`,
      stage.weightedAmount,
      pipelineSandbox.stages[i]!.weightedAmount,
    );
  }
  compare('pipeline.won', pipelineLive.won, pipelineSandbox.won);
  compare('pipeline.lost', pipelineLive.lost, pipelineSandbox.lost);
  compare('pipeline.winRate', pipelineLive.winRate, pipelineSandbox.winRate);
  compare(
    'pipeline.averageCycleDays',
    pipelineLive.averageCycleDays,
    pipelineSandbox.averageCycleDays,
  );

  const retentionLive = computeRetention(live.customers, now);
  const retentionSandbox = computeRetention(sandbox.customers, now);
  compare('retention.churnRate', retentionLive.churnRate, retentionSandbox.churnRate);
  compare('retention.cohorts', retentionLive.cohorts, retentionSandbox.cohorts);

  const segmentsLive = computeSegments(live.customers, now, { currency: live.options.currency });
  const segmentsSandbox = computeSegments(sandbox.customers, now, {
    currency: sandbox.options.currency,
  });
  compare('segments.counts', segmentsLive.segments, segmentsSandbox.segments);
  compare('segments.paretoTopShare', segmentsLive.paretoTopShare, segmentsSandbox.paretoTopShare);
  compare('segments.paretoCurve', segmentsLive.paretoCurve, segmentsSandbox.paretoCurve);

  const campaignsLive = attributedCampaignFigures(live);
  const campaignsSandbox = attributedCampaignFigures(sandbox);
  compare(
    'campaigns.attribution',
    live.options.attribution ?? 'first-touch',
    sandbox.options.attribution ?? 'first-touch',
  );
  for (const id of new Set([...campaignsLive.keys(), ...campaignsSandbox.keys()])) {
    const a = campaignsLive.get(id);
    const b = campaignsSandbox.get(id);
    const name = `campaigns.${a?.name ?? b?.name ?? id}`;
    compare(`${name}.dealsWon`, a?.dealsWon ?? null, b?.dealsWon ?? null);
    compare(`${name}.revenue`, a?.revenue ?? null, b?.revenue ?? null);
    compare(`${name}.returnOnSpend`, a?.returnOnSpend ?? null, b?.returnOnSpend ?? null);
  }

  const clients: ClientDifference[] = [];
  const sandboxById = new Map(sandbox.customers.map((doc) => [doc.customerId, doc]));
  const liveIds = new Set(live.customers.map((doc) => doc.customerId));
  for (const doc of live.customers) {
    const other = sandboxById.get(doc.customerId);
    if (!other) {
      clients.push({
        customerId: doc.customerId,
        metric: 'status',
        live: doc.status,
        sandbox: null,
      });
      continue;
    }
    if (doc.status !== other.status)
      clients.push({
        customerId: doc.customerId,
        metric: 'status',
        live: doc.status,
        sandbox: other.status,
      });
    const riskLive = churnRisk(doc, now, live.options.churn);
    const riskSandbox = churnRisk(other, now, sandbox.options.churn);
    if (!same(riskLive, riskSandbox)) {
      clients.push({
        customerId: doc.customerId,
        metric: 'churnRisk',
        live: riskLive,
        sandbox: riskSandbox,
      });
    }
    const segmentLive = segmentsLive.customers.get(doc.customerId)?.segment ?? null;
    const segmentSandbox = segmentsSandbox.customers.get(doc.customerId)?.segment ?? null;
    if (segmentLive !== segmentSandbox) {
      clients.push({
        customerId: doc.customerId,
        metric: 'segment',
        live: segmentLive,
        sandbox: segmentSandbox,
      });
    }
  }
  for (const doc of sandbox.customers) {
    if (!liveIds.has(doc.customerId))
      clients.push({
        customerId: doc.customerId,
        metric: 'status',
        live: null,
        sandbox: doc.status,
      });
  }
  return { metrics, clients };
}
