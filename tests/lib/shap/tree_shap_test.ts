import assert from "node:assert/strict";
import { createRng } from "../../../core/rng.ts";
import { conditionalExpectation } from "../../../lib/shap/tree_expectation.ts";
import { treeShap, treeShapRow } from "../../../lib/shap/tree_shap.ts";
import { expectedValue, predictEnsemble, type TreeEnsemble } from "../../../lib/shap/tree_model.ts";
import { assertAllClose, assertClose } from "../signal/assert_close.ts";
import { bruteForceShapley, randomEnsemble } from "./fixtures.ts";

const leaf = (value: number, cover: number) => ({
  feature: -1,
  threshold: NaN,
  left: -1,
  right: -1,
  defaultLeft: false,
  value,
  cover,
});
const split = (
  feature: number,
  threshold: number,
  left: number,
  right: number,
  cover: number,
  defaultLeft = true,
) => ({
  feature,
  threshold,
  left,
  right,
  defaultLeft,
  value: 0,
  cover,
});

/** The paper's fever (0) / cough (1) trees: 1 = yes; every leaf holds a quarter of the data. */
function feverCough(cough: number, both: number): TreeEnsemble {
  return {
    numFeatures: 2,
    baseValue: 0,
    trees: [{
      nodes: [
        split(0, 0.5, 1, 4, 100),
        split(1, 0.5, 2, 3, 50),
        leaf(0, 25),
        leaf(cough, 25),
        split(1, 0.5, 5, 6, 50),
        leaf(0, 25),
        leaf(both, 25),
      ],
    }],
  };
}

Deno.test("TreeSHAP reproduces the paper's consistency example (A: 30/30, B: 30/35)", () => {
  const x = [1, 1];
  assertAllClose(treeShapRow(feverCough(0, 80), x), [30, 30], 0, 1e-12, "model A");
  assertAllClose(treeShapRow(feverCough(10, 90), x), [30, 35], 0, 1e-12, "model B");
  assertClose(expectedValue(feverCough(10, 90)), 25, 0, 1e-12, "E[f] of model B");
});

Deno.test("TreeSHAP: local accuracy and equality with brute-force Shapley on random trees", () => {
  const rng = createRng(7);
  for (let trial = 0; trial < 12; trial++) {
    const m = 2 + (trial % 4);
    const model = randomEnsemble(rng, m, 1 + (trial % 3), 2 + (trial % 3));
    const x = Array.from({ length: m }, () => rng.uniform());
    const phi = treeShapRow(model, x);
    const sum = phi.reduce((a, b) => a + b, 0);
    assertClose(
      sum + expectedValue(model),
      predictEnsemble(model, x),
      0,
      1e-9,
      `local accuracy, trial ${trial}`,
    );
    const oracle = bruteForceShapley((mask) => conditionalExpectation(model, x, mask), m);
    assertAllClose(phi, oracle, 0, 1e-9, `φ vs brute force, trial ${trial}`);
  }
});

Deno.test("TreeSHAP: missing values follow the default direction in prediction and attribution", () => {
  const stump: TreeEnsemble = {
    numFeatures: 2,
    baseValue: 1,
    trees: [{ nodes: [split(1, 0.5, 1, 2, 4, false), leaf(-2, 1), leaf(6, 3)] }],
  };
  // E[f] = 1 + (−2·1 + 6·3)/4 = 5; NaN goes right (6) → φ₁ = 6 − 4 = 2, prediction 7.
  const phi = treeShapRow(stump, [0.2, NaN]);
  assertAllClose(phi, [0, 2], 0, 1e-12, "φ with NaN routed right");
  assert.equal(predictEnsemble(stump, [0.2, NaN]), 7);
  const left = { ...stump, trees: [{ nodes: [split(1, 0.5, 1, 2, 4, true), leaf(-2, 1), leaf(6, 3)] }] };
  assertAllClose(treeShapRow(left, [0.2, NaN]), [0, -6], 0, 1e-12, "φ with NaN routed left");
  // Random trees with NaNs: still the brute-force values of the same routing.
  const rng = createRng(11);
  for (let trial = 0; trial < 6; trial++) {
    const model = randomEnsemble(rng, 4, 2, 3);
    const x = [rng.uniform(), NaN, rng.uniform(), NaN];
    const oracle = bruteForceShapley((mask) => conditionalExpectation(model, x, mask), 4);
    assertAllClose(treeShapRow(model, x), oracle, 0, 1e-9, `NaN trial ${trial}`);
  }
});

Deno.test("TreeSHAP: a feature no tree splits on gets exactly 0; ensembles add up per tree", () => {
  const rng = createRng(3);
  const model = randomEnsemble(rng, 3, 3, 3);
  const wide: TreeEnsemble = { ...model, numFeatures: 5 };
  const x = [0.3, 0.6, 0.9, 123, -4];
  const phi = treeShapRow(wide, x);
  assert.equal(phi[3], 0);
  assert.equal(phi[4], 0);
  const parts = model.trees.map((t) => treeShapRow({ trees: [t], baseValue: 0, numFeatures: 3 }, x));
  const summed = parts.reduce((acc, p) => acc.map((v, i) => v + p[i]), [0, 0, 0]);
  assertAllClose(phi.subarray(0, 3), summed, 0, 1e-12, "linearity over trees");
});

Deno.test("TreeSHAP: split rule and float32 precision decide ties like the source library", () => {
  const t = 0.1; // not representable in float32: fround(0.1) > 0.1
  const base = {
    numFeatures: 1,
    baseValue: 0,
    trees: [{ nodes: [split(0, t, 1, 2, 2), leaf(-1, 1), leaf(1, 1)] }],
  };
  assert.equal(predictEnsemble({ ...base, splitRule: "le" }, [t]), -1);
  assert.equal(predictEnsemble({ ...base, splitRule: "lt" }, [t]), 1);
  // float32: x = 0.1000000001 rounds to the same float32 as the threshold, so `le` sends it left.
  assert.equal(predictEnsemble({ ...base, splitRule: "le" }, [0.1000000001]), 1);
  assert.equal(predictEnsemble({ ...base, splitRule: "le", precision: "float32" }, [0.1000000001]), -1);
});

Deno.test("treeShap over a matrix: rows, base value and shape checks", () => {
  const rng = createRng(5);
  const model = randomEnsemble(rng, 3, 4, 3);
  const rows = Float64Array.from({ length: 5 * 3 }, () => rng.uniform());
  const { values, base } = treeShap(model, rows, 5);
  assertClose(base, expectedValue(model), 0, 0, "base");
  for (let i = 0; i < 5; i++) {
    const sum = values.subarray(i * 3, i * 3 + 3).reduce((a, b) => a + b, 0);
    assertClose(sum + base, predictEnsemble(model, rows, i * 3), 0, 1e-9, `row ${i}`);
  }
  assert.throws(() => treeShap(model, rows, 4), RangeError);
});
