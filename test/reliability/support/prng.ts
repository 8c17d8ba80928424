// Decisions that must be reproducible from a seed, such as when to kill a process: the same
// PRNG (mulberry32) the synthetic history uses. RELIABILITY_SEED overrides a run's seed.
export { seededRandom } from '../../../apps/cli/src/seed/synthetic-history';

export function runSeed(fallback: number): number {
  const given = Number(process.env.RELIABILITY_SEED);
  return Number.isInteger(given) ? given : fallback;
}
