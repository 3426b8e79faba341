/**
 * Seeded random numbers: xoshiro128** seeded through splitmix32. 32-bit integer arithmetic only, so the
 * same seed gives the same stream on every platform and backend. This is the run's generator (splits,
 * the synthesiser, plugin contexts); ./mulberry32.ts is the checkpointable one the trainer uses.
 */

import type { UniformRandom } from "./mulberry32.ts";

/** A seeded generator: uniform, normal, integers, shuffle, choice, and independent child streams. */
export class Rng implements UniformRandom {
  #s: Uint32Array;
  #spare: number | undefined;

  constructor(seed: number) {
    if (!Number.isFinite(seed)) throw new RangeError(`seed must be a finite number, found ${seed}`);
    this.#s = seedState(seed);
  }

  /** Next raw 32-bit unsigned integer. */
  nextUint32(): number {
    const s = this.#s;
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  uniform(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Standard normal (Box–Muller; the second value of each pair is kept for the next call). */
  normal(mean = 0, sd = 1): number {
    if (this.#spare !== undefined) {
      const z = this.#spare;
      this.#spare = undefined;
      return mean + sd * z;
    }
    let u = 0;
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.#spare = r * Math.sin(2 * Math.PI * v);
    return mean + sd * r * Math.cos(2 * Math.PI * v);
  }

  /** Uniform integer in [0, n), without modulo bias. */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0 || n > 2 ** 32) {
      throw new RangeError(`int(n) needs 1 ≤ n ≤ 2^32, found ${n}`);
    }
    const limit = Math.floor(2 ** 32 / n) * n;
    let x = this.nextUint32();
    while (x >= limit) x = this.nextUint32();
    return x % n;
  }

  /** A shuffled copy (Fisher–Yates). */
  shuffle<T>(items: readonly T[]): T[] {
    const a = [...items];
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [a[i], a[j]] = [a[j], a[i]];
    }
    return a;
  }

  /** One element chosen uniformly. */
  choice<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError("choice() from an empty list");
    return items[this.int(items.length)];
  }

  /** `k` distinct elements chosen uniformly, in random order. */
  sample<T>(items: readonly T[], k: number): T[] {
    if (k > items.length) throw new RangeError(`cannot draw ${k} of ${items.length} items`);
    return this.shuffle(items).slice(0, k);
  }

  /** An independent child stream named by `label`: the same (seed, label) always gives the same stream. */
  fork(label: string): Rng {
    let h = this.#s[0] ^ 0x9e3779b9;
    for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193);
    return new Rng((h ^ this.#s[3]) >>> 0);
  }

  /** The generator's exact state (a sandboxed plugin continues the same stream from it). */
  snapshot(): RngSnapshot {
    return { words: [...this.#s], spare: this.#spare ?? null };
  }

  /** A generator continuing exactly where the one that gave `snapshot` stands. */
  static fromSnapshot(snapshot: RngSnapshot): Rng {
    const rng = new Rng(0);
    rng.#s = Uint32Array.from(snapshot.words);
    rng.#spare = snapshot.spare ?? undefined;
    return rng;
  }
}

/** The state of an Rng as plain values: four xoshiro words and the kept normal, if any. */
export interface RngSnapshot {
  words: number[];
  spare: number | null;
}

/** A generator for `seed`. */
export function createRng(seed: number): Rng {
  return new Rng(seed);
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** splitmix32 expands the seed into four non-zero state words. */
function seedState(seed: number): Uint32Array {
  // Fold the seed's low and high 32 bits so large integer seeds differ.
  let x = ((seed >>> 0) ^ Math.floor(seed / 2 ** 32)) >>> 0;
  const s = new Uint32Array(4);
  for (let i = 0; i < 4; i++) {
    x = (x + 0x9e3779b9) >>> 0;
    let z = x;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    s[i] = (z ^ (z >>> 16)) >>> 0;
  }
  if (s.every((w) => w === 0)) s[0] = 1;
  return s;
}
