import type { Command } from 'commander';
import { MASTER_KEY_STREAM, type MasterKeyRotated } from '@rapport/domain';
import { MasterKeyError, parseMasterKey, rotateMasterKey } from '@rapport/privacy';
import { CliContext, CliError, EXIT, output, type GlobalOptions } from '../cli-context';
import { progressBar } from '../progress';
import { recordAuditEvent } from './audit-event.recorder';

/**
 * `rapport keys rotate`: re-wraps every client data key from CRM_MASTER_KEY_PREVIOUS to
 * CRM_MASTER_KEY while the API runs with both, then records MasterKeyRotated. Run it again
 * after an interruption: it goes on where it stopped. The procedure is in README.md.
 */
export function keysCommand(program: Command, global: () => GlobalOptions): void {
  const keys = program.command('keys').description('client data keys and the master key');
  keys
    .command('rotate')
    .description(
      're-wrap every client data key from CRM_MASTER_KEY_PREVIOUS (old) to CRM_MASTER_KEY (new); resumable, audited',
    )
    .action(async () => {
      const opts = global();
      const context = new CliContext(opts);
      try {
        const { masterKey, previousMasterKey } = context.config;
        if (!masterKey || !previousMasterKey) {
          throw new CliError(
            'set CRM_MASTER_KEY to the new master key and CRM_MASTER_KEY_PREVIOUS to the one it replaces',
            EXIT.usage,
          );
        }
        let next: Buffer;
        let previous: Buffer;
        try {
          next = parseMasterKey(masterKey);
          previous = parseMasterKey(previousMasterKey, 'CRM_MASTER_KEY_PREVIOUS');
        } catch (error) {
          if (error instanceof MasterKeyError) throw new CliError(error.message, EXIT.usage);
          throw error;
        }
        if (next.equals(previous)) {
          throw new CliError(
            'CRM_MASTER_KEY and CRM_MASTER_KEY_PREVIOUS are the same key',
            EXIT.usage,
          );
        }
        const store = await context.adapters.keyStore();
        const events = context.eventStore();
        const startedAt = new Date().toISOString();
        const bar = progressBar('rotate', 1, !opts.json);
        let report;
        try {
          report = await rotateMasterKey(
            store,
            { previous, next },
            { onProgress: (progress) => bar.update(progress.seen, progress.seen + 1) },
          );
        } finally {
          bar.stop();
          await store.close();
        }
        const rotated: MasterKeyRotated = {
          type: 'MasterKeyRotated',
          schemaVersion: 1,
          data: {
            previousMasterKeyId: report.previousMasterKeyId,
            masterKeyId: report.masterKeyId,
            rewrapped: report.rewrapped,
            alreadyCurrent: report.alreadyCurrent,
            startedAt,
            completedAt: new Date().toISOString(),
          },
        };
        await recordAuditEvent(events, MASTER_KEY_STREAM, rotated);
        output(
          opts,
          `master key ${report.previousMasterKeyId} → ${report.masterKeyId}: ${report.rewrapped} keys re-wrapped, ` +
            `${report.alreadyCurrent} already wrapped by the new key, ${report.erased} erased meanwhile. ` +
            'The old master key now opens nothing: remove CRM_MASTER_KEY_PREVIOUS and restart the API.',
          { ok: true, ...report },
        );
      } finally {
        await context.close();
      }
    });
}
