/**
 * Behaviour matched to LightGBM 4.1 on small data, pinned with numbers the LightGBM CLI produced (stored
 * here, so these tests need no binary). How the numbers were made:
 *
 * Bin bounds: a one-feature CSV (`y,x`, y uniform random, missing values written `nan`), trained with
 *   `lightgbm task=train objective=regression num_iterations=1 num_leaves=<rows> min_data_in_leaf=1
 *    min_sum_hessian_in_leaf=0 max_bin=<B> min_data_in_bin=<M> precise_float_parser=true num_threads=1`
 * grows the tree until every bin is its own leaf, so the tree's `threshold=` line lists every bound that
 * separates rows (an empty bin, such as the zero bin of an all-positive feature, never shows).
 *
 * Trees: `smallParityRows()` written with `toLightgbmCsv` (tests/lib/gbdt/fixtures.ts) and trained with
 *   `lightgbm task=train objective=regression num_iterations=<1|5> learning_rate=0.1 num_leaves=4
 *    min_data_in_leaf=3 precise_float_parser=true num_threads=1 output_model=model.txt`,
 * then `task=predict` on the five TEST_ROWS below.
 */
import { assert, assertClose, assertEquals } from "./assert.ts";
import { binMatrix, findUpperBounds, nextUp, ZERO_THRESHOLD } from "../../../lib/gbdt/binning.ts";
import { trainGbdt } from "../../../lib/gbdt/mod.ts";
import { smallParityRows } from "./fixtures.ts";

/** Bounds between bins that hold rows (what LightGBM's thresholds can show), +∞ left out. */
function separatingBounds(values: number[], maxBin: number, minDataInBin: number): number[] {
  const m = binMatrix({ rows: values.length, cols: 1, values }, maxBin, minDataInBin);
  const bounds = m.features[0].upperBounds, counts = new Int32Array(m.binCounts[0]);
  for (const b of m.bins) counts[b]++;
  const valueBins = bounds.length;
  const out: number[] = [];
  for (let b = 0; b < valueBins - 1; b++) {
    const below = counts.subarray(0, b + 1).some((c) => c > 0);
    const above = counts.subarray(b + 1, valueBins).some((c) => c > 0);
    // Of bounds that split the rows alike (around an empty bin), LightGBM shows the highest.
    const sameAsNext = b + 1 < valueBins - 1 && counts[b + 1] === 0;
    if (below && above && !sameAsNext) out.push(bounds[b]);
  }
  return out;
}

Deno.test("lightgbm parity: bin bounds sit just above midpoints, and min_data_in_bin merges rare values", () => {
  // Three distinct values, 2 + 2 + 1 rows: with min_data_in_bin 3 the first bin closes only after value 2.
  assertEquals(Array.from(findUpperBounds(Float64Array.of(3, 1, 2, 2, 1), 255)), [
    ZERO_THRESHOLD,
    2.5000000000000004,
    Infinity,
  ]);
  assertEquals(nextUp(2.5), 2.5000000000000004);
  assertEquals(separatingBounds([3, 1, 2, 2, 1], 255, 3), [2.5000000000000004]);
});

Deno.test("lightgbm parity: zero has its own bin between the negative and the positive values", () => {
  const signs = [-3, -3, -2, -1, 0, 0, 0, 1, 1, 2, 5, 5, 5, 7];
  assertEquals(separatingBounds(signs, 255, 1), [
    -2.4999999999999996,
    -1.4999999999999998,
    -1.0000000180025095e-35,
    1.0000000180025095e-35,
    1.5000000000000002,
    3.5000000000000004,
    6.000000000000001,
  ]);
  assertEquals(separatingBounds(signs, 255, 3), [
    -1.4999999999999998,
    -1.0000000180025095e-35,
    1.0000000180025095e-35,
    3.5000000000000004,
    6.000000000000001,
  ]);
  // |v| ≤ 1e-35 is zero; 2e-35 is already positive.
  assertEquals(separatingBounds([1e-40, -1e-40, 0, 2e-35, 1e-30, 1e-30, 1e-30, 3, 3, 3], 255, 1), [
    1.0000000180025095e-35,
    5.000100000000001e-31,
    1.5000000000000002,
  ]);
  // Values one ulp apart are one value (the larger one).
  assertEquals(separatingBounds([1, 1 + Number.EPSILON, 2, 2, 2, 5], 255, 1), [
    1.5000000000000002,
    3.5000000000000004,
  ]);
});

Deno.test("lightgbm parity: more distinct values than bins — equal-count bins, frequent values isolated", () => {
  const many = Array.from({ length: 1000 }, (_, i) => i + 1);
  assertEquals(separatingBounds(many, 5, 3), [250.50000000000003, 500.50000000000006, 750.5000000000001]);
  const bigZero = Array.from({ length: 1000 }, (_, i) => (i < 500 ? 0 : i - 499));
  assertEquals(separatingBounds(bigZero, 5, 3), [
    1.0000000180025095e-35,
    125.50000000000001,
    250.50000000000003,
    375.50000000000006,
  ]);
  const bigSeven = [...new Array(300).fill(7), ...Array.from({ length: 700 }, (_, i) => (i + 1) / 10)];
  assertEquals(separatingBounds(bigSeven, 6, 3), [
    7.050000000000001,
    24.550000000000004,
    39.75000000000001,
    54.95000000000001,
  ]);
});

Deno.test("lightgbm parity: with NaN in training, max_bin counts the NaN bin", () => {
  const column = Array.from({ length: 200 }, (_, i) => (i % 5 === 0 ? NaN : ((i * 37) % 101) / 10 - 4));
  assertEquals(separatingBounds(column, 8, 3), [
    -2.0499999999999994,
    -1.0000000180025095e-35,
    1.0000000180025095e-35,
    1.55,
    3.1500000000000004,
    4.65,
  ]);
  const m = binMatrix({ rows: 200, cols: 1, values: column }, 8, 3);
  assert(m.binCounts[0] <= 8, `${m.binCounts[0]} bins`);
  assertEquals(m.features[0].nanBin, m.features[0].upperBounds.length);
});

/** In gaps between training values, at zero, and NaN in features that had no NaN in training. */
const TEST_ROWS = {
  rows: 5,
  cols: 4,
  values: [25, NaN, 0.3, 4, 25, 0, 0.3, 4, 10, 17.5, NaN, 10, 40, 3, -0.01, 2.5, 32, 49, 1.9, 3.125],
};
const TREE_PARAMS = { learning_rate: 0.1, num_leaves: 4, min_data_in_leaf: 3 };

Deno.test("lightgbm parity: first tree equals LightGBM's dump (thresholds, gains, counts, leaf values)", () => {
  const booster = trainGbdt(smallParityRows(), { ...TREE_PARAMS, num_iterations: 1 });
  const tree = booster.trees[0];
  // x3 = 100/x0 splits the root exactly like x0; LightGBM's ε in the hessian sums makes x3's gain larger.
  assertEquals(Array.from(tree.splitFeature), [3, 1, 1]);
  assertEquals(Array.from(tree.threshold), [3.2500000000000004, 29.500000000000004, 35.000000000000007]);
  assertEquals(Array.from(tree.leftChild), [2, ~1, ~0]);
  assertEquals(Array.from(tree.rightChild), [1, ~2, ~3]);
  assertEquals(Array.from(tree.leafCount), [9, 18, 9, 4]);
  const gains = [0.0202862, 0.00752168, 0.00348583];
  tree.splitGain.forEach((g, k) => assertClose(g, gains[k], 1e-6 * gains[k], `gain ${k}`));
  // LightGBM's first tree holds the average too.
  const leaves = [0.92804809982577963, 0.93294478332002961, 0.9294041425817543, 0.92450018301606174];
  tree.leafValue.forEach((v, l) => assertClose(v + booster.initScore, leaves[l], 1e-15, `leaf ${l}`));
  const predicted = [
    0.93294478332002961,
    0.93294478332002961,
    0.93294478332002961,
    0.92804809982577963,
    0.92450018301606174,
  ];
  booster.predict(TEST_ROWS).forEach((p, i) => assertClose(p, predicted[i], 1e-15, `row ${i}`));
});

Deno.test("lightgbm parity: five rounds predict like LightGBM, NaN in a feature without NaN taken as 0", () => {
  const booster = trainGbdt(smallParityRows(), { ...TREE_PARAMS, num_iterations: 5 });
  const predicted = [
    0.936065128011488,
    0.936065128011488,
    0.94033445339898913,
    0.92590512409990056,
    0.91126637379832331,
  ];
  const ours = booster.predict(TEST_ROWS);
  ours.forEach((p, i) => assertClose(p, predicted[i], 1e-15, `row ${i}`));
  assertEquals(ours[0], ours[1], "NaN and 0 in x1 take the same path");
});

Deno.test("lightgbm parity: training stops at the first tree without a split", () => {
  const data = smallParityRows();
  // Too few rows for two leaves of 25: the first tree stays a constant (the average), then training stops.
  const booster = trainGbdt(data, { ...TREE_PARAMS, num_iterations: 10, min_data_in_leaf: 25 });
  assertEquals(booster.trees.length, 1);
  assertEquals(booster.trees[0].numLeaves, 1);
  assertEquals(booster.trees[0].leafValue[0], 0);
  const mean = Array.from(data.y, Math.fround).reduce((a, b) => a + b, 0) / data.y.length;
  assertClose(booster.predict(data.x)[0], mean, 1e-15);
  // A later tree without a split is dropped: a huge min_gain_to_split after the first round.
  const later = trainGbdt(data, { ...TREE_PARAMS, num_iterations: 10, min_gain_to_split: 0.015 });
  assert(later.trees.length < 10 && later.trees.every((t) => t.numLeaves > 1), `${later.trees.length} trees`);
});
