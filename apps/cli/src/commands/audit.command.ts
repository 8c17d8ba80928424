import type { Command } from 'commander';
import { readCheckpoints } from '@rapport/event-store';
import { CliContext, CliError, EXIT, type GlobalOptions } from '../cli-context';

/** `rapport audit export-checkpoints`: the sealed heads of the hash chain, for a witness. */
export function auditCommand(program: Command, global: () => GlobalOptions): void {
  const audit = program.command('audit').description('audit evidence kept outside the log');
  audit
    .command('export-checkpoints')
    .description(
      'print every sealed checkpoint of the hash chain as JSON lines, for an outside witness to keep; ' +
        'rapport verify --integrity --witness <file> checks the log against them',
    )
    .option('--after <position>', 'only checkpoints sealed after this log position', '0')
    .action(async (options: { after: string }) => {
      if (!/^\d+$/.test(options.after)) {
        throw new CliError(`--after must be a position, got "${options.after}"`, EXIT.usage);
      }
      const after = Number(options.after);
      const context = new CliContext(global());
      try {
        const { checkpoints } = await readCheckpoints(context.eventStore());
        const lines = checkpoints
          .filter((checkpoint) => checkpoint.eventPosition > after)
          .map((checkpoint) => JSON.stringify(checkpoint) + '\n')
          .join('');
        process.stdout.write(lines);
      } finally {
        await context.close();
      }
    });
}
