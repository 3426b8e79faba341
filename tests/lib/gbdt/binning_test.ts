import { assert, assertEquals, assertThrows } from "./assert.ts";
import { binMatrix, binOf, findUpperBounds, nextUp, ZERO_THRESHOLD } from "../../../lib/gbdt/binning.ts";

Deno.test("binning: with min_data_in_bin 1 every distinct value gets a bin, bounds just above midpoints", () => {
  const bounds = findUpperBounds(Float64Array.of(3, 1, 2, 2, 1), 255, 1);
  // The first bin, up to LightGBM's zero threshold, is for zero (empty here).
  assertEquals(Array.from(bounds), [ZERO_THRESHOLD, nextUp(1.5), nextUp(2.5), Infinity]);
});

Deno.test("binning: 1000 equal-count positive values, 5 bins: zero's bin plus quartiles", () => {
  const values = Float64Array.from({ length: 1000 }, (_, i) => 1000 - i);
  assertEquals(Array.from(findUpperBounds(values, 5)), [
    ZERO_THRESHOLD,
    nextUp(250.5),
    nextUp(500.5),
    nextUp(750.5),
    Infinity,
  ]);
});

Deno.test("binning: never more than max_bin bins, NaN bin included; all-equal column has one bin", () => {
  const values = Float64Array.from({ length: 5000 }, (_, i) => Math.sin(i) * 1000);
  assertEquals(findUpperBounds(values, 255).length, 255);
  assertEquals(Array.from(findUpperBounds(new Float64Array(10).fill(7), 255)), [ZERO_THRESHOLD, Infinity]);
  assertEquals(Array.from(findUpperBounds(new Float64Array(10).fill(-7), 255)), [-ZERO_THRESHOLD, Infinity]);
  assertEquals(Array.from(findUpperBounds(new Float64Array(10), 255)), [Infinity]);
  const withNan = Array.from({ length: 5000 }, (_, i) => (i % 10 === 0 ? NaN : Math.sin(i) * 1000));
  const m = binMatrix({ rows: 5000, cols: 1, values: withNan }, 255);
  assertEquals(m.binCounts[0], 255);
  assertEquals(m.features[0].nanBin, 254);
});

Deno.test("binning: a value equal to an edge falls in the lower bin; NaN goes to the NaN bin", () => {
  const m = binMatrix({ rows: 5, cols: 1, values: [1, 2, NaN, 3, 2.5] }, 255, 1);
  const f = m.features[0];
  assertEquals(Array.from(f.upperBounds), [
    ZERO_THRESHOLD,
    nextUp(1.5),
    nextUp(2.25),
    nextUp(2.75),
    Infinity,
  ]);
  assertEquals(f.nanBin, 5);
  assertEquals(Array.from(m.bins), [1, 2, 5, 4, 3]);
  assertEquals(binOf(f, nextUp(1.5)), 1);
  assertEquals(binOf(f, nextUp(nextUp(1.5))), 2);
  assertEquals(Array.from(m.binCounts), [6]);
});

Deno.test("binning: NaN in a feature without a NaN bin is binned as 0 (LightGBM's missing type none)", () => {
  const m = binMatrix({ rows: 6, cols: 1, values: [-2, -1, 0, 1, 2, 3] }, 255, 1);
  const f = m.features[0];
  assertEquals(f.nanBin, -1);
  assertEquals(binOf(f, NaN), binOf(f, 0));
});

Deno.test("binning: feature-major byte layout with per-feature offsets", () => {
  // Row-major input: row i = (i, 10·i mod 3).
  const values = [0, 0, 1, 10, 2, 20, 3, 0];
  const m = binMatrix({ rows: 4, cols: 2, values: values.map((v, k) => (k % 2 ? v % 30 : v)) }, 255, 1);
  assertEquals(Array.from(m.bins.subarray(0, 4)), [0, 1, 2, 3]);
  assertEquals(Array.from(m.bins.subarray(4, 8)), [0, 1, 2, 0]);
  assertEquals(Array.from(m.binOffsets), [0, 4, 7]);
  assert(m.features.every((f) => f.nanBin === -1));
});

Deno.test("binning: doubles four ulps apart still separate; one ulp apart they are one value", () => {
  // Closer pairs share a bin, as in LightGBM: the double above their midpoint is the larger value itself.
  const a = 1, b = nextUp(nextUp(nextUp(nextUp(1))));
  const bounds = findUpperBounds(Float64Array.of(a, b), 255, 1);
  assert(a <= bounds[1] && b > bounds[1]);
  assertEquals(findUpperBounds(Float64Array.of(a, nextUp(a)), 255, 1).length, 2);
  assertEquals(nextUp(-Number.MIN_VALUE), -0);
  assertEquals(nextUp(0), Number.MIN_VALUE);
  // The low 32-bit word carries into the high one.
  assertEquals(nextUp(1 + (2 ** 32 - 1) * 2 ** -52), 1 + 2 ** -20);
  assertEquals(nextUp(-(1 + 2 ** -20)), -(1 + (2 ** 32 - 1) * 2 ** -52));
});

Deno.test("binning: max_bin outside 2..255 is rejected by the trainer's parameter check", async () => {
  const { resolveParams } = await import("../../../lib/gbdt/params.ts");
  assertThrows(() => resolveParams({ max_bin: 256 }), /max_bin/);
});
