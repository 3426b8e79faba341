/**
 * A small seeded generator whose whole state is one 32-bit word, so a checkpoint can store it and a
 * resumed run draws exactly the numbers an uninterrupted run would (lib/ cannot use core/rng.ts).
 */

/** Something that yields uniform numbers in [0, 1): this class, or the core's `Rng`. */
export interface UniformRandom {
  uniform(): number;
}

/** mulberry32 with exportable state; uniform, normal (Box–Muller, no cached spare) and shuffles. */
export class SeededRandom implements UniformRandom {
  #state: number;

  constructor(seed: number) {
    if (!Number.isFinite(seed)) throw new RangeError(`seed must be finite, found ${seed}`);
    this.#state = ((Math.floor(seed) >>> 0) ^ 0x2545f491) >>> 0;
  }

  /** The generator's state (a uint32), for checkpoints. */
  get state(): number {
    return this.#state;
  }

  /** Restores a state from `state`. */
  set state(value: number) {
    this.#state = value >>> 0;
  }

  /** Uniform in [0, 1). */
  uniform(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** A Fisher–Yates shuffled copy. */
  shuffle<T>(items: readonly T[]): T[] {
    const a = [...items];
    for (let i = a.length - 1; i > 0; i--) {
      const j = Math.floor(this.uniform() * (i + 1));
      [a[i], a[j]] = [a[j], a[i]];
    }
    return a;
  }
}

/** Standard normal draw from any uniform source (Box–Muller; one pair per call keeps no hidden state). */
export function normalFrom(rng: UniformRandom): number {
  let u = 0;
  while (u === 0) u = rng.uniform();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.uniform());
}
