import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import {
  campaignAttributionProjection,
  campaignPerformanceAggregation,
  campaignsProjection,
  customer360Projection,
  readTallies,
  type CampaignDocument,
  type CampaignFiguresInput,
  diffFigures,
  physicalCollection,
  salesPipelineProjection,
  type AnyProjection,
  type Customer360Document,
  type PipelineDealDocument,
  type ReadStore,
  type StoredDocument,
} from '@rapport/read-models';
import { SqliteReadStore } from '@rapport/read-models/adapters';
import { CliContext, output, type GlobalOptions } from '../cli-context';
import { defaultAnalyticsOptions, readManifest, SANDBOX_DB } from './sandbox';

async function all<T extends StoredDocument>(
  store: ReadStore,
  projection: AnyProjection,
): Promise<T[]> {
  const active = (await store.projectionStates()).find(
    (s) => s.projection === projection.name && s.active,
  );
  if (!active) return [];
  const documents: T[] = [];
  for await (const page of store.scan<T>(
    physicalCollection(projection.collection, active.generation),
    2000,
  ))
    documents.push(...page);
  return documents;
}

/** Campaigns and their performance tallies, for the attribution figures (a CLI pass). */
async function campaignFigures(store: ReadStore): Promise<CampaignFiguresInput> {
  const active = (await store.projectionStates()).find(
    (s) => s.projection === campaignAttributionProjection.name && s.active,
  );
  return {
    campaigns: await all<CampaignDocument>(store, campaignsProjection),
    tallies: active
      ? await readTallies(
          store,
          physicalCollection(campaignPerformanceAggregation.collection, active.generation),
        )
      : new Map(),
  };
}

export function diffCommand(program: Command, global: () => GlobalOptions): void {
  program
    .command('diff')
    .argument('<sandbox>', 'a directory made by `rapport replay`')
    .description("compare a sandbox's figures with the live ones, per metric and per client")
    .option('--limit <n>', 'clients to list (human output)', '50')
    .action(async (dir: string, options: { limit: string }) => {
      const opts = global();
      const manifest = readManifest(resolve(dir));
      const context = new CliContext(opts);
      const sandbox = new SqliteReadStore(join(resolve(dir), SANDBOX_DB));
      try {
        const live = await context.readStore();
        const replayed = (projection: AnyProjection) =>
          manifest.projections.includes(projection.name);
        const liveCustomers = await all<Customer360Document>(live, customer360Projection);
        const liveDeals = await all<PipelineDealDocument>(live, salesPipelineProjection);
        const liveCampaigns = await campaignFigures(live);
        // Campaign figures come from two projections: the sandbox's when it replayed both.
        const sandboxCampaigns =
          replayed(campaignsProjection) && replayed(campaignAttributionProjection)
            ? await campaignFigures(sandbox)
            : liveCampaigns;
        const now = new Date();
        const result = diffFigures(
          {
            customers: liveCustomers,
            deals: liveDeals,
            options: defaultAnalyticsOptions(context.config),
            campaigns: liveCampaigns,
          },
          {
            customers: replayed(customer360Projection)
              ? await all(sandbox, customer360Projection)
              : liveCustomers,
            deals: replayed(salesPipelineProjection)
              ? await all(sandbox, salesPipelineProjection)
              : liveDeals,
            options: manifest.options,
            campaigns: sandboxCampaigns,
          },
          now,
        );
        const limit = Number(options.limit);
        const human = [
          `sandbox ${dir}: ${manifest.projections.join(', ')} up to position ${manifest.untilPosition}` +
            (manifest.optionPairs.length ? ` with ${manifest.optionPairs.join(', ')}` : ''),
          `${result.metrics.length} metrics differ:`,
          ...result.metrics.map(
            (m) =>
              `  ${m.metric}: live ${JSON.stringify(m.live)} → sandbox ${JSON.stringify(m.sandbox)}`,
          ),
          `${new Set(result.clients.map((c) => c.customerId)).size} clients differ:`,
          ...result.clients
            .slice(0, limit)
            .map(
              (c) =>
                `  ${c.customerId} ${c.metric}: live ${JSON.stringify(c.live)} → sandbox ${JSON.stringify(c.sandbox)}`,
            ),
          ...(result.clients.length > limit
            ? [`  ... and ${result.clients.length - limit} more (--limit, --json)`]
            : []),
        ].join('\n');
        output(opts, human, { sandbox: dir, manifest, ...result });
      } finally {
        await sandbox.close();
        await context.close();
      }
    });
}
