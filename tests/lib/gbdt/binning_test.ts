import { assert, assertEquals, assertThrows } from "./assert.ts";
import { binMatrix, binOf, findUpperBounds } from "../../../lib/gbdt/binning.ts";

Deno.test("binning: few distinct values get one bin each, edges at midpoints", () => {
  const bounds = findUpperBounds(Float64Array.of(3, 1, 2, 2, 1), 255);
  assertEquals(Array.from(bounds), [1.5, 2.5, Infinity]);
});

Deno.test("binning: 1000 equal-count values in 4 bins cut at the quartiles", () => {
  const values = Float64Array.from({ length: 1000 }, (_, i) => 999 - i);
  assertEquals(Array.from(findUpperBounds(values, 4)), [249.5, 499.5, 749.5, Infinity]);
});

Deno.test("binning: a value frequent enough to fill a bin gets its own bin", () => {
  // 500 zeros + 1..500: zero is isolated, the other 500 rows share the remaining 3 bins (~167 each).
  const values = Float64Array.from({ length: 1000 }, (_, i) => (i < 500 ? 0 : i - 499));
  assertEquals(Array.from(findUpperBounds(values, 4)), [0.5, 167.5, 334.5, Infinity]);
});

Deno.test("binning: never more than max_bin value bins, all-equal column has one bin", () => {
  const values = Float64Array.from({ length: 5000 }, (_, i) => Math.sin(i) * 1000);
  assertEquals(findUpperBounds(values, 255).length, 255);
  assertEquals(Array.from(findUpperBounds(new Float64Array(10).fill(7), 255)), [Infinity]);
});

Deno.test("binning: a value equal to an edge falls in the lower bin; NaN goes to the NaN bin", () => {
  const m = binMatrix({ rows: 5, cols: 1, values: [1, 2, NaN, 3, 2.5] }, 255);
  const f = m.features[0];
  assertEquals(Array.from(f.upperBounds), [1.5, 2.25, 2.75, Infinity]);
  assertEquals(f.nanBin, 4);
  assertEquals(Array.from(m.bins), [0, 1, 4, 3, 2]);
  assertEquals(binOf(f, 1.5), 0);
  assertEquals(binOf(f, 1.5000001), 1);
  assertEquals(Array.from(m.binCounts), [5]);
});

Deno.test("binning: feature-major byte layout with per-feature offsets", () => {
  // Row-major input: row i = (i, 10·i mod 3).
  const values = [0, 0, 1, 10, 2, 20, 3, 0];
  const m = binMatrix({ rows: 4, cols: 2, values: values.map((v, k) => (k % 2 ? v % 30 : v)) }, 255);
  assertEquals(Array.from(m.bins.subarray(0, 4)), [0, 1, 2, 3]);
  assertEquals(Array.from(m.bins.subarray(4, 8)), [0, 1, 2, 0]);
  assertEquals(Array.from(m.binOffsets), [0, 4, 7]);
  assert(m.features.every((f) => f.nanBin === -1));
});

Deno.test("binning: adjacent doubles still separate", () => {
  const a = 1, b = 1 + Number.EPSILON;
  const bounds = findUpperBounds(Float64Array.of(a, b), 255);
  assert(a <= bounds[0] && b > bounds[0]);
});

Deno.test("binning: max_bin outside 2..255 is rejected by the trainer's parameter check", async () => {
  const { resolveParams } = await import("../../../lib/gbdt/params.ts");
  assertThrows(() => resolveParams({ max_bin: 256 }), /max_bin/);
});
