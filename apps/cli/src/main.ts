import { Command, CommanderError } from 'commander';
import { CliError, EXIT, type GlobalOptions } from './cli-context';
import { auditCommand } from './commands/audit.command';
import { diffCommand } from './commands/diff.command';
import { exportEventsCommand } from './commands/export-events.command';
import { keysCommand } from './commands/keys.command';
import { rebuildCommand } from './commands/rebuild.command';
import { replayCommand } from './commands/replay.command';
import { seedCommand } from './commands/seed.command';
import { statusCommand } from './commands/status.command';
import { verifyCommand } from './commands/verify.command';

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
    exportEventsCommand,
    auditCommand,
    keysCommand,
  ]) {
    register(program, global);
  }
  for (const command of program.commands) command.exitOverride();
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
