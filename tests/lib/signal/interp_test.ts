import assert from "node:assert/strict";
import { linspace } from "../../../lib/signal/grid.ts";
import {
  interpSorted,
  resampleOnGrid,
  stableArgsort,
  takeByIndex,
  windowFilter,
} from "../../../lib/signal/interp.ts";

// Unsorted rows with repeated voltages and one row outside the window [1, 3].
const V = [2, 1, 2, 3, 3, 0.5];
const Q = [20, 10, 21, 30, 31, 5];
const GRID = linspace(0, 4, 9); // 0, 0.5, …, 4
// By hand (np.interp on the stable sort V = 1,2,2,3,3 / Q = 10,20,21,30,31): below the data → first Q;
// at a repeated V → the last repeat; between → linear; at and above the top → last Q.
const EXPECTED = [10, 10, 10, 15, 21, 25.5, 31, 31, 31];

Deno.test("stableArgsort keeps equal keys in input order and puts NaN last", () => {
  assert.deepEqual(Array.from(stableArgsort([2, 1, 2, NaN, 1, 0])), [5, 1, 4, 0, 2, 3]);
});

Deno.test("interpSorted: duplicates, out-of-range ends (reference recipe)", () => {
  const order = stableArgsort(V);
  const kept = windowFilter(takeByIndex(V, order), takeByIndex(Q, order), 1, 3);
  assert.deepEqual(Array.from(kept.v), [1, 2, 2, 3, 3]);
  assert.deepEqual(Array.from(kept.q), [10, 20, 21, 30, 31]);
  assert.deepEqual(Array.from(interpSorted(GRID.points, kept.v, kept.q)), EXPECTED);
});

Deno.test("resampleOnGrid (no sort) gives the same numbers on unsorted rows", () => {
  assert.deepEqual(Array.from(resampleOnGrid(V, Q, GRID, 1, 3)), EXPECTED);
});

Deno.test("resampleOnGrid equals sort + filter + np.interp bit-for-bit on random rows with ties", () => {
  let seed = 12345;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const grid = linspace(3.0, 4.2, 1201);
  for (let trial = 0; trial < 5; trial++) {
    const n = 3000;
    // Voltages rounded to 0.1 mV: many exact ties and many values exactly on grid points.
    const v = Float64Array.from({ length: n }, () => Math.round((2.9 + 1.2 * random()) * 1e4) / 1e4);
    const q = Float64Array.from({ length: n }, () => random());
    const order = stableArgsort(v);
    const kept = windowFilter(takeByIndex(v, order), takeByIndex(q, order), 3.0, 4.1);
    const reference = interpSorted(grid.points, kept.v, kept.q);
    assert.deepEqual(resampleOnGrid(v, q, grid, 3.0, 4.1), reference);
  }
});

Deno.test("interp rejects empty data and mismatched lengths", () => {
  assert.throws(() => interpSorted([1], [], []), RangeError);
  assert.throws(() => resampleOnGrid([5, 6], [1, 2], GRID, 0, 4), RangeError);
  assert.throws(() => resampleOnGrid([1, 2], [1], GRID), RangeError);
});

Deno.test("NaN voltages never pass the window", () => {
  const out = resampleOnGrid([1, NaN, 3], [10, 99, 30], GRID, 0, 4);
  assert.equal(out[4], 20); // V = 2: halfway between the two finite rows
});
