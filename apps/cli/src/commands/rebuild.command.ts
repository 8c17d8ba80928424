import type { Command } from 'commander';
import { lockDataDir } from '@rapport/platform';
import { PROJECTIONS, ProjectionRebuild, type RebuildStatus } from '@rapport/read-models';
import { CliContext, CliError, EXIT, output, type GlobalOptions } from '../cli-context';
import { progressBar } from '../progress';
import { callApi, type ApiOptions } from './http';

export function rebuildCommand(program: Command, global: () => GlobalOptions): void {
  program
    .command('rebuild')
    .argument('<projection>', `${PROJECTIONS.map((p) => p.name).join(', ')} or all`)
    .description(
      'rebuild beside the live generation and swap it in (through the API with --url, else offline)',
    )
    .option(
      '--url <url>',
      'a running API (CRM_API_URL): the rebuild runs there, the CLI follows it',
    )
    .option('--token <token>', 'an admin token (CRM_API_TOKEN)')
    .action(async (name: string, options: ApiOptions) => {
      const opts = global();
      const names = name === 'all' ? PROJECTIONS.map((p) => p.name) : [name];
      for (const n of names) {
        if (!PROJECTIONS.some((p) => p.name === n))
          throw new CliError(`no projection named ${n}`, EXIT.usage);
      }
      const results: RebuildStatus[] = [];
      for (const n of names) {
        results.push(
          (options.url ?? process.env.CRM_API_URL)
            ? await throughApi(n, options, opts)
            : await offline(n, opts),
        );
      }
      const failed = results.filter((r) => r.status !== 'swapped');
      output(
        opts,
        results
          .map(
            (r) =>
              `${r.projection}: ${r.status} (generation ${r.generation}, position ${r.position}, ${r.eventsPerSecond} events/s)${r.error ? ` — ${r.error}` : ''}`,
          )
          .join('\n'),
        { rebuilds: results },
      );
      if (failed.length > 0) process.exitCode = EXIT.failed;
    });
}

async function throughApi(
  name: string,
  options: ApiOptions,
  opts: GlobalOptions,
): Promise<RebuildStatus> {
  await callApi(options, 'POST', `/admin/projections/${name}/rebuild`);
  const bar = progressBar(name, 1, !opts.json);
  try {
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      const body = await callApi<{ projections: { name: string; rebuild?: RebuildStatus }[] }>(
        options,
        'GET',
        '/admin/projections',
      );
      const rebuild = body.projections.find((p) => p.name === name)?.rebuild;
      if (!rebuild) continue;
      bar.update(rebuild.position, Math.max(1, rebuild.headPosition));
      if (rebuild.status !== 'rebuilding' && rebuild.finishedAt) return rebuild;
    }
  } finally {
    bar.stop();
  }
}

async function offline(name: string, opts: GlobalOptions): Promise<RebuildStatus> {
  const context = new CliContext(opts);
  // Offline means no live projector may write meanwhile: the API must be stopped.
  let release = () => undefined as void;
  if (!context.config.eventStoreUrl || !context.config.mongoUrl) {
    try {
      release = lockDataDir(context.dataDir, 'a rapport rebuild');
    } catch (error) {
      await context.close();
      throw new CliError(
        `${(error as Error).message}; or pass --url to let the running API rebuild`,
        EXIT.unavailable,
      );
    }
  }
  const events = context.eventStore();
  const bar = progressBar(name, Math.max(1, await events.headPosition()), !opts.json);
  try {
    const rebuild = new ProjectionRebuild({
      store: await context.readStore(),
      source: events,
      projection: PROJECTIONS.find((p) => p.name === name)!,
      retireAfterMs: 0,
      onProgress: (status) => bar.update(status.position, Math.max(1, status.headPosition)),
    });
    const controller = new AbortController();
    process.once('SIGINT', () => controller.abort());
    return await rebuild.run(controller.signal);
  } finally {
    bar.stop();
    await context.close();
    release();
  }
}
