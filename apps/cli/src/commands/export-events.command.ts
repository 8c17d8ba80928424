import { createWriteStream } from 'node:fs';
import type { Command } from 'commander';
import { BULK_EXPORT_STREAM } from '@rapport/domain';
import { CliContext, parseBoundary, positionAt, type GlobalOptions } from '../cli-context';
import { progressBar } from '../progress';
import { cliActor, recordAuditEvent } from './audit-event.recorder';

interface ExportOptions {
  from?: string;
  to?: string;
  out?: string;
}

export function exportEventsCommand(program: Command, global: () => GlobalOptions): void {
  program
    .command('export-events')
    .description('the log as NDJSON (one envelope per line; personal data stays sealed)')
    .option('--from <position|time>', 'first position or time (default: the beginning)')
    .option('--to <position|time>', 'last position or time (default: the head)')
    .option('--out <file>', 'write to a file instead of stdout')
    .action(async (options: ExportOptions) => {
      const opts = global();
      const context = new CliContext(opts);
      try {
        const events = context.eventStore();
        const resolveBoundary = async (text: string | undefined, fallback: number) => {
          if (!text) return fallback;
          const boundary = parseBoundary(text, 'a boundary');
          return 'position' in boundary ? boundary.position : positionAt(events, boundary.time);
        };
        const head = await events.headPosition();
        // --from is inclusive: start after the position before it.
        const fromText = options.from;
        const from = fromText
          ? /^\d+$/.test(fromText)
            ? Number(fromText) - 1
            : await resolveBoundary(fromText, 0)
          : 0;
        const to = await resolveBoundary(options.to, head);
        const sink: NodeJS.WritableStream = options.out
          ? createWriteStream(options.out)
          : process.stdout;
        const bar = progressBar('export', Math.max(1, to - from), Boolean(options.out));
        const startedAt = new Date().toISOString();
        let written = 0;
        // Recorded even when the export fails halfway: what was written has left the system.
        const recordExport = () => {
          const actor = cliActor();
          return recordAuditEvent(events, BULK_EXPORT_STREAM, {
            type: 'BulkDataExported',
            schemaVersion: 1,
            data: {
              actorId: actor.id,
              roles: actor.roles,
              export: 'export-events',
              filter: {
                from: options.from ?? null,
                to: options.to ?? null,
                fromPosition: from + 1,
                toPosition: to,
              },
              count: written,
              personalData: 'sealed',
              destination: options.out ?? 'stdout',
              startedAt,
              at: new Date().toISOString(),
            },
          });
        };
        try {
          for (let after = from; after < to;) {
            const page = (await events.readAll({ after, limit: 2000 })).filter(
              (e) => e.position <= to,
            );
            if (page.length === 0) break;
            const chunk =
              page
                .map((event) => JSON.stringify({ ...event, metadata: event.metadata }))
                .join('\n') + '\n';
            if (!sink.write(chunk))
              await new Promise<void>((resolve) => sink.once('drain', () => resolve()));
            written += page.length;
            after = page[page.length - 1]!.position;
            bar.update(after - from);
          }
        } finally {
          bar.stop();
          await recordExport();
        }
        if (options.out) {
          await new Promise<void>((resolve) => sink.end(() => resolve()));
          process.stderr.write(`exported ${written} events to ${options.out}\n`);
        }
      } finally {
        await context.close();
      }
    });
}
