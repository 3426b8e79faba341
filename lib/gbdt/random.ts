/**
 * Seeded uniform numbers for bagging and feature sampling. lib/ may not import core/rng.ts, so callers
 * either hand in their own `() => number` (e.g. a core Rng) or a seed that drives this small generator.
 */

/** A uniform [0, 1) source. */
export type UniformSource = () => number;

/** mulberry32: 32-bit state, fast, good enough for row/feature sampling (not for cryptography). */
export function seededUniform(seed: number): UniformSource {
  let state = (Math.floor(seed) >>> 0) ^ 0x9e3779b9;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Chooses `k` distinct indices out of 0..n-1 (partial Fisher–Yates), returned in ascending order. */
export function sampleIndices(n: number, k: number, random: UniformSource): Int32Array {
  const pool = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(random() * (n - i));
    const tmp = pool[i];
    pool[i] = pool[j];
    pool[j] = tmp;
  }
  return pool.subarray(0, k).sort();
}
