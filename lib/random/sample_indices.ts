/** Sampling without replacement from a uniform source (the booster's bagging and feature sampling). */
import type { UniformSource } from "./mulberry32.ts";

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
