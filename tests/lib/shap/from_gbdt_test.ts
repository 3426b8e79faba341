import assert from "node:assert/strict";
import { createRng } from "../../../core/rng.ts";
import { boosterFromJson, boosterToJson, trainGbdt } from "../../../lib/gbdt/mod.ts";
import { ensembleFromBooster } from "../../../lib/shap/from_gbdt.ts";
import { conditionalExpectation } from "../../../lib/shap/tree_expectation.ts";
import { treeShap } from "../../../lib/shap/tree_shap.ts";
import { ensembleProblems, predictEnsemble } from "../../../lib/shap/tree_model.ts";
import { assertAllClose, assertClose } from "../signal/assert_close.ts";
import { bruteForceShapley } from "./fixtures.ts";

/** y = 2·x0 + sin(3·x1) + x0·x2 with 10 % NaNs in x1: the trees learn NaN directions. */
function data(n: number) {
  const rng = createRng(21);
  const x = new Float64Array(n * 3), y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const [a, b, c] = [rng.uniform(), rng.uniform(), rng.uniform()];
    x.set([a, rng.uniform() < 0.1 ? NaN : b, c], i * 3);
    y[i] = 2 * a + Math.sin(3 * b) + a * c;
  }
  return { x: { rows: n, cols: 3, values: x }, y };
}

Deno.test("from_gbdt: the adapted ensemble predicts like the booster and TreeSHAP is locally accurate", () => {
  const train = data(300);
  const booster = trainGbdt(train, {
    num_iterations: 25,
    num_leaves: 7,
    min_data_in_leaf: 5,
    learning_rate: 0.2,
  });
  const model = ensembleFromBooster(boosterFromJson(JSON.parse(JSON.stringify(boosterToJson(booster)))));
  assert.deepEqual(ensembleProblems(model), []);
  const test = data(40).x;
  const ours = booster.predict(test);
  const { values, base } = treeShap(model, test.values, test.rows);
  for (let i = 0; i < test.rows; i++) {
    assertClose(predictEnsemble(model, test.values, i * 3), ours[i], 0, 1e-12, `prediction ${i}`);
    const sum = values[i * 3] + values[i * 3 + 1] + values[i * 3 + 2];
    assertClose(sum + base, ours[i], 0, 1e-9, `local accuracy ${i}`);
  }
  const row = Array.from(test.values.subarray(0, 3));
  const oracle = bruteForceShapley((mask) => conditionalExpectation(model, row, mask), 3);
  assertAllClose(values.subarray(0, 3), oracle, 0, 1e-9, "brute force on a trained booster");
  // Root cover is the number of training rows each tree saw.
  assert.equal(model.trees[0].nodes[0].cover, 300);
});
