import type { Command } from 'commander';
import { CliContext, output, type GlobalOptions } from '../cli-context';
import { callApi, type ApiOptions } from './http';

interface Row {
  name: string;
  generation: number;
  status: string;
  position: number;
  lagEvents: number;
}

export function statusCommand(program: Command, global: () => GlobalOptions): void {
  program
    .command('status')
    .description(
      'projections: generation, status, position and lag (from the API with --url, else from the stores)',
    )
    .option('--url <url>', 'a running API (CRM_API_URL)')
    .option('--token <token>', 'an admin token (CRM_API_TOKEN)')
    .action(async (options: ApiOptions) => {
      const opts = global();
      let rows: Row[];
      let head: number;
      if (options.url ?? process.env.CRM_API_URL) {
        const body = await callApi<{
          projections: {
            name: string;
            generation: number;
            status: string;
            position: number;
            lag: { events: number };
          }[];
          headPosition: number;
        }>(options, 'GET', '/admin/projections');
        head = body.headPosition;
        rows = body.projections.map((p) => ({
          name: p.name,
          generation: p.generation,
          status: p.status,
          position: p.position,
          lagEvents: p.lag.events,
        }));
      } else {
        const context = new CliContext(opts);
        try {
          head = await context.eventStore().headPosition();
          const states = await (await context.readStore()).projectionStates();
          rows = states
            .filter((s) => s.status !== 'retired')
            .map((s) => ({
              name: s.projection,
              generation: s.generation,
              status: s.active ? s.status : `${s.status} (not active)`,
              position: s.position,
              lagEvents: Math.max(0, head - s.position),
            }));
        } finally {
          await context.close();
        }
      }
      const lines = rows.map(
        (r) =>
          `${r.name.padEnd(16)} g${String(r.generation).padEnd(4)} ${r.status.padEnd(22)} position ${r.position}  lag ${r.lagEvents}`,
      );
      output(opts, [`log head: ${head}`, ...lines].join('\n'), {
        headPosition: head,
        projections: rows,
      });
    });
}
