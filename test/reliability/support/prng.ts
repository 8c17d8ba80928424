/**
 * A small seeded PRNG (mulberry32) for decisions that must be reproducible from a seed, such as
 * when to kill a process. RELIABILITY_SEED overrides the default seed of a run.
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function runSeed(fallback: number): number {
  const given = Number(process.env.RELIABILITY_SEED);
  return Number.isInteger(given) ? given : fallback;
}
