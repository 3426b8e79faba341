/**
 * lib/random keeps every stream exactly as it was before the three generators got one home: the expected
 * numbers below were printed by lib/nn/seeded_random.ts and lib/gbdt/random.ts at commit 6076a2a (the
 * networks' weights and the booster's bagging of the published real-data runs come from these streams),
 * and mulberry32 is recomputed here from its published definition as a second, independent answer.
 * xoshiro128** (`Rng`) has its own known-answer tests in tests/core/rng_test.ts.
 */
import assert from "node:assert/strict";
import {
  createRng,
  normalFrom,
  sampleIndices,
  SeededRandom,
  seededUniform,
} from "../../../lib/random/mod.ts";

/** mulberry32 (Tommy Ettinger, 2017) from a raw uint32 state, as a list of draws. */
function mulberry32Reference(state: number, count: number): number[] {
  const out: number[] = [];
  let a = state >>> 0;
  for (let i = 0; i < count; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out.push(((t ^ (t >>> 14)) >>> 0) / 4294967296);
  }
  return out;
}

Deno.test("SeededRandom draws the networks' stream of before, to the last digit", () => {
  const random = new SeededRandom(42);
  const draws = [random.uniform(), random.uniform(), random.uniform()];
  assert.deepEqual(draws, [0.5310662440024316, 0.19741995725780725, 0.19965366111136973]);
  assert.equal(random.state, 1825071770);
  assert.deepEqual(draws, mulberry32Reference((42 ^ 0x2545f491) >>> 0, 3));
  assert.deepEqual(new SeededRandom(3).shuffle([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]), [
    3,
    5,
    6,
    0,
    7,
    9,
    1,
    4,
    2,
    8,
  ]);
  const normal = new SeededRandom(-7.9);
  assert.equal(normalFrom(normal), -0.44167742366151613);
  assert.equal(normal.state, 3037790035);
});

Deno.test("seededUniform draws the booster's stream of before (its own seeding), to the last digit", () => {
  const u = seededUniform(42);
  const draws = [u(), u(), u()];
  assert.deepEqual(draws, [0.4813160905614495, 0.9852536325342953, 0.7379171899519861]);
  assert.deepEqual(draws, mulberry32Reference((42 ^ 0x9e3779b9) >>> 0, 3));
  const large = seededUniform(2 ** 33 + 5);
  assert.deepEqual([large(), large()], [0.217193350661546, 0.9914532694965601]);
  assert.deepEqual(Array.from(sampleIndices(10, 4, seededUniform(9))), [1, 2, 5, 9]);
});

Deno.test("a SeededRandom restored from its state continues exactly where the original was", () => {
  const original = new SeededRandom(7);
  for (let i = 0; i < 5; i++) original.uniform();
  const restored = SeededRandom.fromState(original.state);
  const ahead = [original.uniform(), original.uniform()];
  assert.deepEqual([restored.uniform(), restored.uniform()], ahead);
});

Deno.test("either generator serves as a UniformRandom, and bad seeds are refused", () => {
  // normalFrom accepts xoshiro's Rng too: Box–Muller over its first two uniforms.
  const rng = createRng(5), copy = createRng(5);
  const u = copy.uniform(), v = copy.uniform();
  assert.equal(normalFrom(rng), Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v));
  assert.throws(() => new SeededRandom(Number.NaN), RangeError);
  assert.throws(() => seededUniform(Number.POSITIVE_INFINITY), RangeError);
});
