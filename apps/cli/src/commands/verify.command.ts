import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import {
  checkpointClaims,
  readCheckpoints,
  verifyChainOf,
  witnessClaims,
  type ChainClaim,
  type ChainVerification,
} from '@rapport/event-store';
import {
  aggregateCollection,
  compareCollections,
  compareListingRows,
  compareTallies,
  documentCollection,
  listingCollection,
  liveTargets,
  PROJECTIONS,
  ProjectionRunner,
  type DocumentDifference,
  type ReadStore,
  type StoredDocument,
} from '@rapport/read-models';
import { SqliteReadStore } from '@rapport/read-models/adapters';
import { CliContext, CliError, EXIT, output, type GlobalOptions } from '../cli-context';
import { progressBar } from '../progress';

/** The live documents as they stood at the checkpoint (later ones are skipped, not compared). */
class AtCheckpoint implements Pick<ReadStore, 'scan'> {
  skipped = 0;
  constructor(
    private readonly store: ReadStore,
    private readonly position: number,
  ) {}
  async *scan<T extends StoredDocument>(collection: string, pageSize?: number): AsyncIterable<T[]> {
    for await (const page of this.store.scan<T>(collection, pageSize)) {
      const kept = page.filter((doc) => doc.position <= this.position);
      this.skipped += page.length - kept.length;
      yield kept;
    }
  }
}

export interface VerifiedProjection {
  projection: string;
  position: number;
  compared: number;
  skipped: number;
  differences: DocumentDifference[];
}

/**
 * Rebuilds every active projection from the log into a scratch store, up to its checkpoint,
 * and compares it document by document with the live one (documents changed since the
 * checkpoint are skipped). Used by `rapport verify` and by the soak benchmark.
 */
export async function verifyReadModels(
  context: CliContext,
  showProgress = false,
): Promise<VerifiedProjection[]> {
  const dir = mkdtempSync(join(tmpdir(), 'rapport-verify-'));
  const scratch = new SqliteReadStore(join(dir, 'read-models.db'));
  const report: VerifiedProjection[] = [];
  try {
    const events = context.eventStore();
    const live = await context.readStore();
    const states = await live.projectionStates();
    // Rows that depend on time (churn scores) are derived at one instant, and compared where
    // the live rows hold at it.
    const now = new Date();
    const defaultCurrency = context.config.defaultCurrency;
    for (const projection of PROJECTIONS) {
      const state = states.find((s) => s.projection === projection.name && s.active);
      if (!state) continue;
      const [target] = await liveTargets(scratch, [projection]);
      const bar = progressBar(
        `verify ${projection.name}`,
        Math.max(1, state.position),
        showProgress,
      );
      await new ProjectionRunner(events, scratch, [target!], {
        until: state.position,
        batchSize: 1000,
        clock: () => now,
        defaultCurrency,
        writeBehind: { flushEvery: 250_000 },
        onBatch: ({ lastEvent }) => bar.update(lastEvent.position),
      }).run();
      bar.stop();
      const asOfCheckpoint = new AtCheckpoint(live, state.position);
      const { compared, differences } = await compareCollections(
        { store: scratch, collection: documentCollection(target!) },
        {
          store: asOfCheckpoint as unknown as ReadStore,
          collection: documentCollection({
            projection,
            generation: state.generation,
            position: state.position,
          }),
        },
      );
      report.push({
        projection: projection.name,
        position: state.position,
        compared,
        skipped: asOfCheckpoint.skipped,
        differences,
      });
      // Its listings: the same row per document (time-dependent ones where they hold now).
      for (const listing of projection.listings ?? []) {
        const rows = await compareListingRows(
          { store: scratch, collection: listingCollection(target!, listing) },
          {
            store: live,
            collection: listingCollection({ projection, generation: state.generation }, listing),
            position: state.position,
          },
          listing,
          now,
        );
        report.push({
          projection: `${projection.name}/${listing.name}`,
          position: state.position,
          ...rows,
        });
      }
      // Its figures over all documents: the same sums per key, whatever the shards.
      for (const aggregation of projection.aggregations ?? []) {
        const figures = await compareTallies(
          { store: scratch, collection: aggregateCollection(target!, aggregation) },
          {
            store: live,
            collection: aggregateCollection(
              { projection, generation: state.generation },
              aggregation,
            ),
            position: state.position,
          },
        );
        report.push({
          projection: `${projection.name}/${aggregation.name}`,
          position: state.position,
          ...figures,
        });
      }
    }
  } finally {
    await scratch.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return report;
}

/**
 * Walks the whole log's hash chain, checking the checkpoints sealed in the log and, given a
 * witness's export, the checkpoints it kept (a log cut or rewritten after them fails).
 */
export async function verifyIntegrity(
  context: CliContext,
  witness?: ChainClaim[],
  showProgress = false,
): Promise<ChainVerification & { checkpoints: number }> {
  const events = context.eventStore();
  const { checkpoints } = await readCheckpoints(events);
  const claims = [...checkpointClaims(checkpoints), ...(witness ?? [])];
  const bar = progressBar(
    'verify integrity',
    Math.max(1, await events.headPosition()),
    showProgress,
  );
  const result = await verifyChainOf(events, {
    claims,
    onPage: (head) => bar.update(head.position),
  });
  bar.stop();
  return { ...result, checkpoints: claims.length };
}

async function runIntegrity(opts: GlobalOptions, witnessFile: string | undefined): Promise<void> {
  let witness: ChainClaim[] | undefined;
  if (witnessFile) {
    try {
      witness = witnessClaims(readFileSync(witnessFile, 'utf8'), witnessFile);
    } catch (error) {
      throw new CliError(`cannot read the witness file: ${(error as Error).message}`, EXIT.usage);
    }
  }
  const context = new CliContext(opts);
  let result: Awaited<ReturnType<typeof verifyIntegrity>>;
  try {
    result = await verifyIntegrity(context, witness, !opts.json);
  } finally {
    await context.close();
  }
  const { problem, head } = result;
  output(
    opts,
    problem
      ? `hash chain broken at position ${problem.position} (${problem.kind}): ${problem.message}\n` +
          `verified up to position ${head.position}`
      : `hash chain intact: ${head.sequence} events up to position ${head.position}, head hash ${head.hash}, ${result.checkpoints} checkpoints matched`,
    {
      ok: !problem,
      head,
      checked: result.checked,
      checkpoints: result.checkpoints,
      problem: problem ?? null,
    },
  );
  if (problem) process.exitCode = EXIT.failed;
}

export function verifyCommand(program: Command, global: () => GlobalOptions): void {
  program
    .command('verify')
    .description(
      'rebuild every projection into a temporary store and compare with the live one; exit 1 on any difference. ' +
        "With --integrity: check the log's hash chain instead and name the first position that does not match",
    )
    .option('--integrity', "verify the event log's hash chain and sealed checkpoints")
    .option(
      '--witness <file>',
      'with --integrity: checkpoints kept outside (the JSON lines of `rapport audit export-checkpoints`)',
    )
    .action(async (options: { integrity?: boolean; witness?: string }) => {
      const opts = global();
      if (options.witness && !options.integrity) {
        throw new CliError('--witness goes with --integrity', EXIT.usage);
      }
      if (options.integrity) return runIntegrity(opts, options.witness);
      const context = new CliContext(opts);
      let report: VerifiedProjection[];
      try {
        report = await verifyReadModels(context, !opts.json);
      } finally {
        await context.close();
      }
      const failed = report.filter((r) => r.differences.length > 0);
      output(
        opts,
        report
          .map((r) =>
            [
              `${r.projection} at position ${r.position}: ${r.compared} documents, ${r.differences.length === 0 ? 'identical' : `${r.differences.length} differences`}` +
                (r.skipped ? ` (${r.skipped} changed since the checkpoint, skipped)` : ''),
              ...r.differences
                .slice(0, 20)
                .map(
                  (d) => `  ${d.id}: ${d.problem}${d.fields ? ` (${d.fields.join(', ')})` : ''}`,
                ),
            ].join('\n'),
          )
          .join('\n'),
        { ok: failed.length === 0, projections: report },
      );
      if (failed.length > 0) process.exitCode = EXIT.failed;
    });
}
