/**
 * Seeded randomness, one home for every stream the project draws. Two algorithms, each kept exactly as
 * results were produced with it:
 *
 * - `Rng` / `createRng` — xoshiro128** seeded through splitmix32: the run's generator (splits, the M50T
 *   synthesiser, plugin contexts), with normals, integers, shuffles and named child streams (`fork`).
 * - `SeededRandom` / `seededUniform` — mulberry32, whose whole state is one uint32, so a training
 *   checkpoint can store it and a resumed fit draws the same numbers as an uninterrupted one (networks'
 *   initial weights and batch shuffles; the booster's bagging).
 *
 * Anything that takes a `UniformRandom` accepts either generator.
 */
export { createRng, Rng, type RngSnapshot } from "./xoshiro128.ts";
export {
  normalFrom,
  SeededRandom,
  seededUniform,
  type UniformRandom,
  type UniformSource,
} from "./mulberry32.ts";
export { sampleIndices } from "./sample_indices.ts";
