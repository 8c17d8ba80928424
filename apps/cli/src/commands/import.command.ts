import { createReadStream, rmSync, writeSync, openSync, closeSync } from 'node:fs';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { lockDataDir } from '@rapport/platform';
import {
  DataKeys,
  loadOrCreateMasterKeyFile,
  parseMasterKey,
  PersonalDataCipher,
} from '@rapport/privacy';
import { createIngestImporter, type ImportLine } from '../../../api/src/ingest/ingest.importer';
import { CliContext, CliError, EXIT, output, type GlobalOptions } from '../cli-context';
import { progressBar } from '../progress';

interface ImportOptions {
  rejects?: string;
  batch: string;
}

/** Lines in a file (a last line without a newline counts), read once for the progress bar. */
async function countLines(file: string): Promise<number> {
  let lines = 0;
  let last = 10;
  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
    last = chunk[chunk.length - 1] ?? last;
  }
  return last === 10 ? lines : lines + 1;
}

export function importCommand(program: Command, global: () => GlobalOptions): void {
  program
    .command('import')
    .description(
      "append an older system's history: an NDJSON file of ingest messages (one command per line, with occurredAt for business time); idempotent by idempotencyKey, so a re-run after a crash appends nothing twice",
    )
    .argument('<file>', 'the .ndjson file')
    .option(
      '--rejects <file>',
      'where refused lines go, with their reasons',
      '<file>.rejects.ndjson',
    )
    .option('--batch <n>', 'commands decided and appended together (one transaction)', '2000')
    .action(async (file: string, options: ImportOptions) => {
      const opts = global();
      const batchSize = Number(options.batch);
      if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 50_000) {
        throw new CliError('--batch must be a whole number from 1 to 50,000', EXIT.usage);
      }
      const path = resolve(file);
      let total: number;
      try {
        total = await countLines(path);
      } catch (error) {
        throw new CliError(`cannot read ${file}: ${(error as Error).message}`, EXIT.usage);
      }
      const rejectsFile = resolve(
        options.rejects === undefined || options.rejects === '<file>.rejects.ndjson'
          ? `${path}.rejects.ndjson`
          : options.rejects,
      );
      // What commands answered beyond their ids (campaign members skipped), one line each.
      const answersFile = `${path}.answers.ndjson`;
      const context = new CliContext(opts);
      // The embedded log has one writer: the API must be stopped (or sent POST /ingest).
      const release = context.config.eventStoreUrl
        ? () => undefined
        : lockDataDir(context.dataDir, 'a rapport import');
      let rejectsFd: number | undefined;
      let answersFd: number | undefined;
      try {
        const masterKey = context.config.masterKey
          ? parseMasterKey(context.config.masterKey)
          : loadOrCreateMasterKeyFile(context.dataDir).key;
        const importer = createIngestImporter({
          eventStore: context.eventStore('bulk'),
          cipher: new PersonalDataCipher(
            new DataKeys(await context.adapters.keyStore(), masterKey),
          ),
          logger: context.logger,
          config: context.config,
        });
        rmSync(rejectsFile, { force: true });
        rmSync(answersFile, { force: true });
        const bar = progressBar('import', total, !opts.json, 'commands');
        const started = Date.now();
        const cpuBefore = process.cpuUsage();
        const totals = {
          lines: 0,
          appended: 0,
          duplicates: 0,
          rejected: 0,
          events: 0,
          answered: 0,
          /** Clients not added to a campaign (each listed with its reason in the answers file). */
          skipped: 0,
        };
        const flush = async (batch: ImportLine[]) => {
          const outcome = await importer.importBatch(batch);
          totals.appended += outcome.appended;
          totals.duplicates += outcome.duplicates;
          totals.events += outcome.events;
          totals.rejected += outcome.rejects.length;
          if (outcome.rejects.length > 0) {
            rejectsFd ??= openSync(rejectsFile, 'w');
            writeSync(rejectsFd, outcome.rejects.map((r) => `${JSON.stringify(r)}\n`).join(''));
          }
          if (outcome.answers.length > 0) {
            totals.answered += outcome.answers.length;
            for (const { answer } of outcome.answers) {
              if (Array.isArray(answer['skipped'])) totals.skipped += answer['skipped'].length;
            }
            answersFd ??= openSync(answersFile, 'w');
            writeSync(answersFd, outcome.answers.map((a) => `${JSON.stringify(a)}\n`).join(''));
          }
          bar.update(batch[batch.length - 1]!.line, undefined, `${totals.rejected} refused`);
        };
        let batch: ImportLine[] = [];
        let line = 0;
        const reader = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
        for await (const text of reader) {
          line++;
          if (text.trim().length === 0) continue;
          totals.lines++;
          batch.push({ line, text });
          if (batch.length >= batchSize) {
            await flush(batch);
            batch = [];
          }
        }
        if (batch.length > 0) await flush(batch);
        bar.stop();
        const seconds = (Date.now() - started) / 1000;
        const commandsPerSecond = Math.round(totals.lines / Math.max(seconds, 0.001));
        // CPU time beside wall time: on a shared machine the wall time says more about the others.
        const cpu = process.cpuUsage(cpuBefore);
        const cpuSeconds = (cpu.user + cpu.system) / 1e6;
        output(
          opts,
          `imported ${file}: ${totals.appended} commands appended (${totals.events} events), ` +
            `${totals.duplicates} already recorded, ${totals.rejected} refused` +
            (totals.rejected > 0 ? ` (see ${rejectsFile})` : '') +
            (totals.skipped > 0
              ? `, ${totals.skipped} campaign members not added (see ${answersFile})`
              : '') +
            ` in ${seconds.toFixed(1)} s (${commandsPerSecond} commands/s)`,
          {
            file: path,
            ...totals,
            rejectsFile: totals.rejected > 0 ? rejectsFile : null,
            answersFile: totals.answered > 0 ? answersFile : null,
            seconds,
            cpuSeconds,
            commandsPerSecond,
          },
        );
        // Refused lines are the sender's to fix: a script sees them in the exit code.
        if (totals.rejected > 0) process.exitCode = EXIT.failed;
      } finally {
        if (rejectsFd !== undefined) closeSync(rejectsFd);
        if (answersFd !== undefined) closeSync(answersFd);
        await context.close();
        release();
      }
    });
}
