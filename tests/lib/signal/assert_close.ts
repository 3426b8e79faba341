/** Relative/absolute closeness assertions shared by the signal tests. */
import assert from "node:assert/strict";

/** Asserts |actual − expected| ≤ rel·|expected| + abs, naming what differs. */
export function assertClose(actual: number, expected: number, rel = 1e-12, abs = 0, what = "value"): void {
  const tolerance = rel * Math.abs(expected) + abs;
  assert.ok(
    Math.abs(actual - expected) <= tolerance,
    `${what}: got ${actual}, expected ${expected} (tolerance ${tolerance})`,
  );
}

/** Element-wise {@link assertClose} of two equal-length sequences. */
export function assertAllClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  rel = 1e-12,
  abs = 0,
  what = "array",
): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) assertClose(actual[i], expected[i], rel, abs, `${what}[${i}]`);
}
