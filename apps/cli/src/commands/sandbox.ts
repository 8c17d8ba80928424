import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_STAGE_PROBABILITIES, type AppConfig } from '@rapport/platform';
import { DEFAULT_CHURN_RISK_OPTIONS, type AnalyticsOptions } from '@rapport/read-models';
import { CliError, EXIT } from '../cli-context';

/** What `replay` leaves in its directory, for `diff` to read. */
export interface SandboxManifest {
  format: 'rapport-sandbox/1';
  createdAt: string;
  projections: string[];
  /** Every event up to this position was replayed. */
  untilPosition: number;
  untilTime?: string;
  optionPairs: string[];
  options: AnalyticsOptions;
}

export const MANIFEST = 'sandbox.json';
export const SANDBOX_DB = 'read-models.db';

export function defaultAnalyticsOptions(config: AppConfig): AnalyticsOptions {
  return {
    churn: { ...DEFAULT_CHURN_RISK_OPTIONS },
    stageProbabilities: { ...DEFAULT_STAGE_PROBABILITIES, ...config.stageProbabilities },
    currency: config.defaultCurrency,
    attribution: 'first-touch',
  };
}

export function readManifest(dir: string): SandboxManifest {
  const file = join(dir, MANIFEST);
  if (!existsSync(file))
    throw new CliError(
      `${dir} is not a sandbox made by "rapport replay" (no ${MANIFEST})`,
      EXIT.usage,
    );
  return JSON.parse(readFileSync(file, 'utf8')) as SandboxManifest;
}
