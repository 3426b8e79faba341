/**
 * mulberry32: a generator whose whole state is one 32-bit word. It exists beside xoshiro128**
 * (./xoshiro128.ts) because a training checkpoint must store the generator and a resumed run must draw
 * exactly the numbers an uninterrupted run would: one uint32 is trivial to save and restore, and the
 * trainer's shuffles and the networks' initial weights have always come from this stream, so the
 * published real-data results depend on it. Two seedings are kept, each where it has always been used
 * (`SeededRandom` for the networks, `seededUniform` for the booster's bagging): changing either would
 * change results that tests reproduce to the last digit.
 */

/** Something that yields uniform numbers in [0, 1): `SeededRandom`, or xoshiro's `Rng`. */
export interface UniformRandom {
  uniform(): number;
}

/** A uniform [0, 1) source as a plain function (what the booster's bagging takes). */
export type UniformSource = () => number;

/** The networks' seeding: the seed's low 32 bits xor this salt. */
const NETWORK_SALT = 0x2545f491;
/** The booster's seeding (bagging and feature sampling): the seed's low 32 bits xor this salt. */
const BOOSTER_SALT = 0x9e3779b9;

/** mulberry32 with exportable state; uniform, shuffles (normal draws: `normalFrom`). */
export class SeededRandom implements UniformRandom {
  #state: number;

  /** A stream for `seed`, salted as the networks have always been. */
  constructor(seed: number) {
    this.#state = saltedState(seed, NETWORK_SALT);
  }

  /** A stream starting from a raw uint32 state (e.g. one saved in a checkpoint). */
  static fromState(state: number): SeededRandom {
    const random = new SeededRandom(0);
    random.state = state;
    return random;
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

/** The booster's uniform source for `seed` (mulberry32 salted as bagging has always been). */
export function seededUniform(seed: number): UniformSource {
  const random = SeededRandom.fromState(saltedState(seed, BOOSTER_SALT));
  return () => random.uniform();
}

/** Standard normal draw from any uniform source (Box–Muller; one pair per call keeps no hidden state). */
export function normalFrom(rng: UniformRandom): number {
  let u = 0;
  while (u === 0) u = rng.uniform();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.uniform());
}

function saltedState(seed: number, salt: number): number {
  if (!Number.isFinite(seed)) throw new RangeError(`seed must be finite, found ${seed}`);
  return ((Math.floor(seed) >>> 0) ^ salt) >>> 0;
}
