import { Inject, Injectable } from '@nestjs/common';
import type { AppConfig } from '@rapport/platform';
import {
  campaignAttributionProjection,
  campaignKey,
  campaignPerformance,
  campaignPerformanceAggregation,
  campaignsProjection,
  campaignView,
  READ_STORE,
  readTallies,
  sourceEffectiveness,
  sourceEffectivenessAggregation,
  type CampaignDocument,
  type ReadStore,
  type Tally,
} from '@rapport/read-models';
import { notFound } from '@rapport/domain';
import { APP_CONFIG } from '../infrastructure/tokens';
import { decodeCursor, encodeCursor } from './page-cursor';
import { ProjectionProgress } from './projection-progress';
import { ReadModelCatalog } from './read-model.catalog';

export interface CampaignPage {
  status?: string;
  limit: number;
  cursor?: string;
}

/**
 * Campaign documents and figures. A page of campaigns is a range of the campaigns' ids
 * (filtered by the indexed status); each campaign's responses and attribution are the
 * campaign-performance tallies of its key. Source effectiveness reads the source tallies,
 * one per (lead source, first-touch campaign). No request reads one document per client.
 */
@Injectable()
export class CampaignAnalyticsService {
  constructor(
    @Inject(READ_STORE) private readonly store: ReadStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly catalog: ReadModelCatalog,
    private readonly progress: ProjectionProgress,
  ) {}

  private async campaignPage(page: CampaignPage) {
    const collection = await this.catalog.collection(campaignsProjection);
    const docs = await this.store.find<CampaignDocument>(collection, {
      ...(page.status !== undefined && { where: { status: page.status } }),
      ...(page.cursor !== undefined && { afterId: page.cursor.toLowerCase() }),
      limit: page.limit + 1,
    });
    const shown = docs.slice(0, page.limit);
    const tallies = await this.talliesOf(shown.map((doc) => doc.campaignId));
    return {
      shown,
      tallies,
      nextCursor: docs.length > page.limit ? shown[shown.length - 1]!.id : null,
    };
  }

  private async talliesOf(campaignIds: readonly string[]): Promise<Map<string, Tally>> {
    const collection = await this.catalog.aggregateCollection(
      campaignAttributionProjection,
      campaignPerformanceAggregation,
    );
    return readTallies(this.store, collection, campaignIds.map(campaignKey));
  }

  private positions() {
    return {
      position: Math.min(
        this.progress.position(campaignsProjection.name),
        this.progress.position(campaignAttributionProjection.name),
      ),
    };
  }

  async list(page: CampaignPage) {
    const { shown, tallies, nextCursor } = await this.campaignPage(page);
    return {
      ...(page.status !== undefined && { status: page.status }),
      campaigns: shown.map((doc) => campaignView(doc, tallies.get(campaignKey(doc.id)) ?? {})),
      nextCursor,
      ...this.positions(),
    };
  }

  async one(campaignId: string) {
    const collection = await this.catalog.collection(campaignsProjection);
    const doc = await this.store.get<CampaignDocument>(collection, campaignId);
    if (!doc) {
      throw notFound('CAMPAIGN_NOT_FOUND', `campaign ${campaignId} does not exist`, { campaignId });
    }
    const tallies = await this.talliesOf([campaignId]);
    return campaignView(doc, tallies.get(campaignKey(campaignId)) ?? {});
  }

  async performance(page: CampaignPage & { currency?: string }) {
    const currency = page.currency ?? this.config.defaultCurrency;
    const { shown, tallies, nextCursor } = await this.campaignPage(page);
    return {
      currency,
      ...(page.status !== undefined && { status: page.status }),
      campaigns: shown.map((doc) =>
        campaignPerformance(doc, tallies.get(campaignKey(doc.id)) ?? {}, currency),
      ),
      nextCursor,
      ...this.positions(),
    };
  }

  async sources(query: { currency?: string; limit: number; cursor?: string }) {
    const currency = query.currency ?? this.config.defaultCurrency;
    const collection = await this.catalog.aggregateCollection(
      campaignAttributionProjection,
      sourceEffectivenessAggregation,
    );
    // One small document per (source, campaign) and shard: bounded by the sources, not clients.
    const figures = sourceEffectiveness(await readTallies(this.store, collection), currency);
    let start = 0;
    if (query.cursor !== undefined) {
      const [minor, key] = decodeCursor(query.cursor, 2) as [string, string];
      const after = Number(minor);
      start = figures.order.findIndex((o) => o.minor < after || (o.minor === after && o.key > key));
      if (start < 0) start = figures.order.length;
    }
    const end = Math.min(start + query.limit, figures.rows.length);
    const last = figures.order[end - 1];
    return {
      currency,
      sources: figures.rows.slice(start, end),
      totalLeads: figures.totalLeads,
      totalRevenue: figures.totalRevenue,
      nextCursor:
        end < figures.rows.length && last ? encodeCursor([String(last.minor), last.key]) : null,
      position: this.progress.position(campaignAttributionProjection.name),
    };
  }
}
