import { Command, CommanderError } from 'commander';
import { ConfigError, loadConfig } from '@rapport/platform';
import { CliError, EXIT, type GlobalOptions } from './cli-context';
import { auditCommand } from './commands/audit.command';
import { diffCommand } from './commands/diff.command';
import { exportEventsCommand } from './commands/export-events.command';
import { importCommand } from './commands/import.command';
import { keysCommand } from './commands/keys.command';
import { rebuildCommand } from './commands/rebuild.command';
import { replayCommand } from './commands/replay.command';
import { seedCommand } from './commands/seed.command';
import { statusCommand } from './commands/status.command';
import { verifyCommand } from './commands/verify.command';
import { firstRunHints } from './first-run-hints';

/** The operator and analyst CLI: `rapport <command> --help`. Configured by the same env as the apps. */
export async function runCli(argv: string[]): Promise<number> {
  const program = new Command('rapport')
    .description(
      'Rapport operations: projections, rebuilds, replays, verification, seeding, export',
    )
    .option('--json', 'one JSON document on stdout instead of text')
    .option('--data-dir <dir>', 'the embedded data dir (CRM_DATA_DIR, default ./data)')
    .showHelpAfterError()
    .exitOverride();
  const global = () => program.opts<GlobalOptions>();
  for (const register of [
    statusCommand,
    rebuildCommand,
    replayCommand,
    diffCommand,
    verifyCommand,
    seedCommand,
    importCommand,
    exportEventsCommand,
    auditCommand,
    keysCommand,
  ]) {
    register(program, global);
  }
  for (const command of program.commands) command.exitOverride();
  // While nothing is recorded, say how to begin: after `rapport` alone with its help, and on
  // stderr before a command that reads the local stores (stdout stays one --json document).
  const hints = async (dataDir?: string): Promise<string | undefined> => {
    try {
      return await firstRunHints(
        loadConfig({ ...process.env, ...(dataDir && { CRM_DATA_DIR: dataDir }) }),
      );
    } catch (error) {
      if (error instanceof ConfigError) return undefined; // the command reports it
      throw error;
    }
  };
  if (argv.length <= 2) {
    const text = await hints();
    process.stdout.write(`${program.helpInformation()}${text ? `\n${text}\n` : ''}`);
    return EXIT.ok;
  }
  program.hook('preAction', async (_program, command) => {
    const remote = (command.opts<{ url?: string }>().url ?? process.env.CRM_API_URL) !== undefined;
    if (command.name() === 'seed' || command.name() === 'import' || remote) return;
    const text = await hints(global().dataDir);
    if (text) process.stderr.write(`${text}\n\n`);
  });
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.code === 'commander.helpDisplayed' ||
        error.code === 'commander.version' ||
        error.exitCode === 0
        ? EXIT.ok
        : EXIT.usage;
    }
    process.stderr.write(`rapport: ${(error as Error).message}\n`);
    return error instanceof CliError ? error.exitCode : EXIT.failed;
  }
}

if (require.main === module) {
  void runCli(process.argv).then((code) => process.exit(code));
}
