import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import {
  aggregateCollection,
  compareCollections,
  compareTallies,
  documentCollection,
  liveTargets,
  PROJECTIONS,
  ProjectionRunner,
  SqliteReadStore,
  type DocumentDifference,
  type ReadStore,
  type StoredDocument,
} from '@rapport/read-models';
import { CliContext, EXIT, output, type GlobalOptions } from '../cli-context';
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

export function verifyCommand(program: Command, global: () => GlobalOptions): void {
  program
    .command('verify')
    .description(
      'rebuild every projection into a temporary store and compare with the live one; exit 1 on any difference',
    )
    .action(async () => {
      const opts = global();
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
