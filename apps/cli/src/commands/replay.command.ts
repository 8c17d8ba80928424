import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import {
  liveTargets,
  parseAnalyticsOptions,
  PROJECTIONS,
  ProjectionRunner,
} from '@rapport/read-models';
import { SqliteReadStore } from '@rapport/read-models/adapters';
import {
  CliContext,
  CliError,
  EXIT,
  output,
  parseBoundary,
  positionAt,
  type GlobalOptions,
} from '../cli-context';
import { progressBar } from '../progress';
import { defaultAnalyticsOptions, MANIFEST, SANDBOX_DB, type SandboxManifest } from './sandbox';

interface ReplayOptions {
  until?: string;
  into: string;
  option: string[];
}

export function replayCommand(program: Command, global: () => GlobalOptions): void {
  program
    .command('replay')
    .argument('<projection>', `${PROJECTIONS.map((p) => p.name).join(', ')} or all`)
    .description(
      'replay projections into an isolated sandbox (nothing live is touched), for `diff`',
    )
    .requiredOption('--into <dir>', 'sandbox directory (created; must be empty)')
    .option(
      '--until <position|time>',
      'last position, or ISO time, to replay (default: everything)',
    )
    .option(
      '--option <key=value>',
      'a changed definition, e.g. churn.noWinMonths=6, churn.cadenceBenchmarkDays=60, stage.proposal=0.5, currency=USD, attribution=last (first or last touch) (repeatable)',
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .action(async (name: string, options: ReplayOptions) => {
      const opts = global();
      const projections =
        name === 'all' ? [...PROJECTIONS] : PROJECTIONS.filter((p) => p.name === name);
      if (projections.length === 0) throw new CliError(`no projection named ${name}`, EXIT.usage);
      const dir = resolve(options.into);
      if (existsSync(dir) && readdirSync(dir).length > 0)
        throw new CliError(`${dir} is not empty`, EXIT.usage);
      mkdirSync(dir, { recursive: true });
      const context = new CliContext(opts);
      try {
        let analytics;
        try {
          analytics = parseAnalyticsOptions(
            options.option,
            defaultAnalyticsOptions(context.config),
          );
        } catch (error) {
          throw new CliError((error as Error).message, EXIT.usage);
        }
        const events = context.eventStore();
        const boundary = options.until
          ? parseBoundary(options.until, '--until')
          : { position: await events.headPosition() };
        const until =
          'position' in boundary ? boundary.position : await positionAt(events, boundary.time);
        const store = new SqliteReadStore(join(dir, SANDBOX_DB));
        const bar = progressBar('replay', Math.max(1, until), !opts.json);
        const started = Date.now();
        try {
          const targets = await liveTargets(store, projections);
          await new ProjectionRunner(events, store, targets, {
            until,
            batchSize: 1000,
            defaultCurrency: context.config.defaultCurrency,
            writeBehind: { flushEvery: 250_000 },
            onBatch: ({ lastEvent }) => bar.update(lastEvent.position),
          }).run();
        } finally {
          bar.stop();
          await store.close();
        }
        const manifest: SandboxManifest = {
          format: 'rapport-sandbox/1',
          createdAt: new Date().toISOString(),
          projections: projections.map((p) => p.name),
          untilPosition: until,
          ...('time' in boundary && { untilTime: boundary.time }),
          optionPairs: options.option,
          options: analytics,
        };
        writeFileSync(join(dir, MANIFEST), JSON.stringify(manifest, null, 2) + '\n');
        const seconds = (Date.now() - started) / 1000;
        output(
          opts,
          `replayed ${manifest.projections.join(', ')} up to position ${until} into ${dir} in ${seconds.toFixed(1)} s` +
            (options.option.length ? ` with ${options.option.join(', ')}` : ''),
          { sandbox: dir, ...manifest, seconds },
        );
      } finally {
        await context.close();
      }
    });
}
