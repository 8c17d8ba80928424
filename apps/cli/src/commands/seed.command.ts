import type { Command } from 'commander';
import {
  DataKeys,
  loadOrCreateMasterKeyFile,
  parseMasterKey,
  PersonalDataCipher,
} from '@rapport/privacy';
import { DeferredSeal } from '../seed/deferred-seal';
import { appendSynthetic, seededRandom, syntheticHistory } from '../seed/synthetic-history';
import { CliContext, CliError, EXIT, output, type GlobalOptions } from '../cli-context';
import { progressBar } from '../progress';

interface SeedOptions {
  customers: string;
  seed: string;
  start: string;
  days: string;
  activities?: string;
}

export function seedCommand(program: Command, global: () => GlobalOptions): void {
  program
    .command('seed')
    .description(
      'append a realistic synthetic history (every event decided by the real deciders) for demos and benchmarks',
    )
    .requiredOption('--customers <n>', 'how many clients')
    .option('--seed <n>', 'random seed: the same seed gives the same history', '42')
    .option('--start <date>', 'first day of the history', '2025-01-01')
    .option('--days <n>', 'length of the history in days', '365')
    .option(
      '--activities <n>',
      'planned interactions per client on average beyond the usual few (each scheduled, then done or called off): 10 gives 1,000,000 for 100,000 clients',
    )
    .action(async (options: SeedOptions) => {
      const opts = global();
      const customers = Number(options.customers);
      if (!Number.isInteger(customers) || customers < 1 || customers > 10_000_000) {
        throw new CliError('--customers must be a whole number from 1 to 10,000,000', EXIT.usage);
      }
      const activities = options.activities === undefined ? 0 : Number(options.activities);
      if (!Number.isFinite(activities) || activities < 0 || activities > 1000) {
        throw new CliError('--activities must be a number from 0 to 1,000', EXIT.usage);
      }
      const start = new Date(options.start);
      if (Number.isNaN(start.getTime())) throw new CliError('--start must be a date', EXIT.usage);
      const context = new CliContext(opts);
      try {
        // Personal data is sealed for real, with the same keys the API will open it with.
        const masterKey = context.config.masterKey
          ? parseMasterKey(context.config.masterKey)
          : loadOrCreateMasterKeyFile(context.dataDir).key;
        const sealing = new DeferredSeal(
          new PersonalDataCipher(new DataKeys(await context.adapters.keyStore(), masterKey)),
        );
        const events = context.eventStore('bulk');
        const bar = progressBar(
          'seed',
          Math.round(customers * (8.85 + activities * 2.9)),
          !opts.json,
        );
        const started = Date.now();
        const cpuBefore = process.cpuUsage();
        const written = await appendSynthetic(
          events,
          syntheticHistory({
            customers,
            start,
            days: Number(options.days),
            seal: sealing.seal,
            random: seededRandom(Number(options.seed)),
            ...(activities > 0 && { activitiesPerCustomer: activities }),
          }),
          { settle: sealing.settle, onProgress: (n) => bar.update(n) },
        );
        bar.stop();
        const seconds = (Date.now() - started) / 1000;
        // CPU time beside wall time: on a shared machine the wall time says more about the others.
        const cpu = process.cpuUsage(cpuBefore);
        const cpuSeconds = (cpu.user + cpu.system) / 1e6;
        output(
          opts,
          `appended ${written} events for ${customers} clients in ${seconds.toFixed(1)} s`,
          {
            customers,
            events: written,
            seconds,
            cpuSeconds,
            headPosition: await events.headPosition(),
          },
        );
      } finally {
        await context.close();
      }
    });
}
