import { assert, assertClose, assertEquals } from "./assert.ts";
import { trainGbdt } from "../../../lib/gbdt/mod.ts";
import { nextUp } from "../../../lib/gbdt/binning.ts";
import { leafOutput, leafScore, thresholdL1 } from "../../../lib/gbdt/_split.ts";
import { friedman } from "./fixtures.ts";

/** x = 0..9, y = 0 below 5 and 10 from 5: one split at 4.5 explains everything. */
const step = {
  x: { rows: 10, cols: 1, values: Array.from({ length: 10 }, (_, i) => i) },
  y: [0, 0, 0, 0, 0, 10, 10, 10, 10, 10],
};
// min_data_in_bin 1: every distinct value its own bin, so the hand-computed splits are all available.
const stump = {
  num_iterations: 1,
  num_leaves: 2,
  min_data_in_leaf: 1,
  learning_rate: 0.1,
  min_data_in_bin: 1,
};

Deno.test("tree: one split on a step function — threshold, leaf values and gain by hand", () => {
  const booster = trainGbdt(step, stump);
  const tree = booster.trees[0];
  assertEquals(booster.initScore, 5);
  assertEquals(tree.numLeaves, 2);
  // LightGBM's bound: the double just above the midpoint.
  assertEquals(tree.threshold[0], nextUp(4.5));
  // g = score − y: +5 on the left (5 rows), −5 on the right. Leaf = −G/H·lr = ∓0.5.
  assertClose(tree.leafValue[0], -0.5);
  assertClose(tree.leafValue[1], 0.5);
  // Gain = G_L²/H_L + G_R²/H_R − G²/H = 625/5 + 625/5 − 0 = 250.
  assertClose(tree.splitGain[0], 250);
  assertClose(booster.featureImportance("gain")[0], 250);
  const pred = booster.predict(step.x);
  assertClose(pred[0], 4.5);
  assertClose(pred[9], 5.5);
});

Deno.test("tree: lambda_l2 shrinks leaves and gain: G²/(H+λ)", () => {
  const tree = trainGbdt(step, { ...stump, lambda_l2: 1 }).trees[0];
  assertClose(tree.leafValue[0], (-25 / 6) * 0.1);
  assertClose(tree.splitGain[0], 2 * (625 / 6));
});

Deno.test("tree: lambda_l1 soft-thresholds the gradient sum (|G| − λ₁)", () => {
  assertEquals(thresholdL1(25, 10), 15);
  assertEquals(thresholdL1(-25, 10), -15);
  assertEquals(thresholdL1(4, 10), 0);
  const limits = {
    lambda_l1: 10,
    lambda_l2: 0,
    min_data_in_leaf: 1,
    min_sum_hessian_in_leaf: 0,
    min_gain_to_split: 0,
  };
  assertEquals(leafOutput(25, 5, limits), -3);
  assertEquals(leafScore(25, 5, 10, 0), 45);
  const tree = trainGbdt(step, { ...stump, lambda_l1: 10 }).trees[0];
  // Leaves −T(±25)/5·0.1 = ∓0.3; gain 15²/5 + 15²/5 = 90.
  assertClose(tree.leafValue[0], -0.3);
  assertClose(tree.leafValue[1], 0.3);
  assertClose(tree.splitGain[0], 90);
});

Deno.test("tree: min_gain_to_split above the best gain leaves a single leaf", () => {
  const booster = trainGbdt(step, { ...stump, min_gain_to_split: 251 });
  assertEquals(booster.trees[0].numLeaves, 1);
  assertClose(booster.predict(step.x)[0], 5);
});

Deno.test("tree: min_data_in_leaf, max_depth and num_leaves are honoured", () => {
  const data = friedman(400, 1);
  const booster = trainGbdt(data, { num_iterations: 5, num_leaves: 31, min_data_in_leaf: 37, max_depth: 3 });
  for (const tree of booster.trees) {
    assert(tree.numLeaves <= 8, `depth 3 allows 8 leaves, found ${tree.numLeaves}`);
    assert(tree.leafDepth.every((d) => d <= 3));
    assert(tree.leafCount.every((c) => c >= 37), `leaf counts ${tree.leafCount}`);
    assertEquals(tree.leafCount.reduce((a, b) => a + b, 0), 400);
  }
  const wide = trainGbdt(data, { num_iterations: 3, num_leaves: 7, min_data_in_leaf: 5 });
  assert(wide.trees.every((t) => t.numLeaves === 7));
  assert(
    wide.trees.some((t) => t.leafDepth.some((d) => d > 3)),
    "leaf-wise growth goes deeper than balanced",
  );
});

Deno.test("tree: NaN meaning 'high' is learned — missing values go right, to the high leaf", () => {
  const n = 200, values = new Float64Array(n), y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    values[i] = i % 2 ? NaN : i / n;
    y[i] = i % 2 ? 10 : 0;
  }
  const booster = trainGbdt({ x: { rows: n, cols: 1, values }, y }, stump);
  const tree = booster.trees[0];
  assertEquals(tree.numLeaves, 2);
  assertEquals(tree.defaultLeft[0], 0);
  const pred = booster.predict({ rows: 3, cols: 1, values: [NaN, 0.99, 1e9] });
  assertClose(pred[0], 5.5);
  assertClose(pred[1], 4.5);
  assertClose(pred[2], 4.5);
});

Deno.test("tree: NaN that behaves like low values learns default-left", () => {
  // Values ≥ 0.5 are high; missing rows are low, so NaN must join the left (low) side.
  const n = 300, values = new Float64Array(n), y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    values[i] = i % 3 === 0 ? NaN : (i % 100) / 100;
    y[i] = !Number.isNaN(values[i]) && values[i] >= 0.5 ? 10 : 0;
  }
  const booster = trainGbdt({ x: { rows: n, cols: 1, values }, y }, stump);
  const tree = booster.trees[0];
  assertEquals(tree.defaultLeft[0], 1);
  assert(tree.threshold[0] > 0.49 && tree.threshold[0] < 0.5);
  const pred = booster.predict({ rows: 2, cols: 1, values: [NaN, 0.7] });
  assert(pred[0] < booster.initScore && pred[1] > booster.initScore);
});

Deno.test("tree: huber and l1 objectives train and reduce their loss", () => {
  const data = friedman(300, 2);
  for (const objective of ["huber", "regression_l1"] as const) {
    const booster = trainGbdt(data, { objective, num_iterations: 30, learning_rate: 0.2, alpha: 1 });
    const pred = booster.predict(data.x);
    const mae = pred.reduce((a, p, i) => a + Math.abs(p - data.y[i]), 0) / data.y.length;
    const mae0 = data.y.reduce((a, v) => a + Math.abs(booster.initScore - v), 0) / data.y.length;
    assert(mae < 0.6 * mae0, `${objective}: MAE ${mae} vs ${mae0} at start`);
  }
});
