import assert from "node:assert/strict";
import {
  findPeaks,
  localMaxima,
  peakProminences,
  peakWidths,
  topKByValue,
} from "../../../lib/signal/peaks.ts";
import { assertAllClose } from "./assert_close.ts";

// Index:    0  1  2  3  4  5  6  7  8  9 10 11 12 13 14
const Y = [0, 2, 1, 3, 3, 3, 1, 5, 5, 2, 4, 0, 1, 1, 6];

Deno.test("local maxima: flat tops give their middle (rounded down), end samples never peak", () => {
  const m = localMaxima(Y);
  assert.deepEqual(Array.from(m.peaks), [1, 4, 7, 10]); // 14 (the largest value) is an end sample
  assert.deepEqual(Array.from(m.leftEdges), [1, 3, 7, 10]);
  assert.deepEqual(Array.from(m.rightEdges), [1, 5, 8, 10]);
  assert.deepEqual(Array.from(localMaxima([1, 2, 2]).peaks), []); // a top running into the end
  assert.deepEqual(Array.from(localMaxima([3, 3, 1]).peaks), []); // starts flat: no rise
});

Deno.test("prominences and bases by hand", () => {
  // Peak 1 (2): left min 0 @0, right walk 1 then 3 > 2 stops → min 1 @2 → 2 − 1 = 1.
  // Peak 4 (3): left reaches 0 @0, right min 1 @6 → 3 − 1 = 2.
  // Peak 7 (5): both walks run until 6 > 5: min 0 @0 and 0 @11 → 5.
  // Peak 10 (4): left stops at 5 (min 2 @9), right min 0 @11 → 4 − 2 = 2.
  const p = peakProminences(Y, [1, 4, 7, 10]);
  assert.deepEqual(Array.from(p.prominences), [1, 2, 5, 2]);
  assert.deepEqual(Array.from(p.leftBases), [0, 0, 0, 9]);
  assert.deepEqual(Array.from(p.rightBases), [2, 6, 11, 11]);
  assert.throws(() => peakProminences(Y, [0]), RangeError);
});

Deno.test("widths at half prominence match scipy peak_widths on the hand-made array", () => {
  // Reference: scipy.signal.peak_widths(Y, [1, 4, 7, 10], rel_height=0.5) (scipy 1.10.1).
  const peaks = [1, 4, 7, 10];
  const w = peakWidths(Y, peaks, 0.5, peakProminences(Y, peaks));
  assertAllClose(w.widths, [0.75, 3.0, 2.458333333333334, 0.75], 1e-14);
  assertAllClose(w.widthHeights, [1.5, 2.0, 2.5, 3.0], 1e-14);
  assertAllClose(w.leftIps, [0.75, 2.5, 6.375, 9.5], 1e-14);
  assertAllClose(w.rightIps, [1.5, 5.5, 8.833333333333334, 10.25], 1e-14);
});

Deno.test("width of a triangle peak: closed form H/slope with fractional crossings", () => {
  // y = max(0, 10 − 3|i − 10|): prominence 10, half height 5 is crossed at 10 ∓ 5/3.
  const y = Float64Array.from({ length: 21 }, (_, i) => Math.max(0, 10 - 3 * Math.abs(i - 10)));
  const found = findPeaks(y, 0);
  assert.deepEqual(Array.from(found.peaks), [10]);
  const w = peakWidths(y, found.peaks, 0.5, found);
  assertAllClose(w.leftIps, [10 - 5 / 3], 1e-14);
  assertAllClose(w.rightIps, [10 + 5 / 3], 1e-14);
  assertAllClose(w.widths, [10 / 3], 1e-14);
  // At the base (rel height 1) the walk stops on the first samples equal to 0 (|i − 10| = 4, where the
  // clipped samples start), not at the unclipped triangle's 10/3: no interpolation when y[i] = h.
  const full = peakWidths(y, found.peaks, 1, found);
  assertAllClose(full.leftIps, [6], 0);
  assertAllClose(full.widths, [8], 0);
});

Deno.test("findPeaks keeps prominence ≥ the threshold; topKByValue orders by value, ties by position", () => {
  const found = findPeaks(Y, 2);
  assert.deepEqual(Array.from(found.peaks), [4, 7, 10]);
  assert.deepEqual(topKByValue([2, 5, 2, 7], 3), [3, 1, 0]);
  assert.deepEqual(topKByValue([1, 1], 5), [0, 1]);
});
