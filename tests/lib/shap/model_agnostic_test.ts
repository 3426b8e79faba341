import assert from "node:assert/strict";
import { createRng } from "../../../core/rng.ts";
import { explainModelAgnostic } from "../../../lib/shap/model_agnostic.ts";
import { shapleyFromValueTable, shapleyWeights } from "../../../lib/shap/exact_shapley.ts";
import { meanAbsShap, rankFeatures } from "../../../lib/shap/importance.ts";
import { assertAllClose, assertClose } from "../signal/assert_close.ts";
import { bruteForceShapley } from "./fixtures.ts";

function matrix(rng: ReturnType<typeof createRng>, n: number, f: number): Float64Array {
  return Float64Array.from({ length: n * f }, () => rng.normal());
}

/** f(x) = β·x + c for each of K outputs (β per output). */
function linearModel(betas: number[][], c: number[]) {
  const F = betas[0].length, K = betas.length;
  return (rows: Float64Array, n: number) => {
    const out = new Float64Array(n * K);
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < K; k++) {
        let s = c[k];
        for (let j = 0; j < F; j++) s += betas[k][j] * rows[i * F + j];
        out[i * K + k] = s;
      }
    }
    return out;
  };
}

/** φ_j = β_j (x_j − mean of the background's column j). */
function closedForm(beta: number[], x: ArrayLike<number>, bg: Float64Array, rows: number): number[] {
  const F = beta.length;
  return beta.map((b, j) => {
    let mean = 0;
    for (let r = 0; r < rows; r++) mean += bg[r * F + j] / rows;
    return b * (x[j] - mean);
  });
}

Deno.test("exact Shapley weights and the value-table Shapley match a permutation oracle", () => {
  assertAllClose(shapleyWeights(3), [1 / 3, 1 / 6, 1 / 3], 1e-15, 0, "weights M=3");
  const v = (mask: number) =>
    (mask & 1 ? 3 : 0) + (mask & 2 ? 1 : 0) + ((mask & 5) === 5 ? 4 : 0) + (mask === 15 ? 8 : 0);
  const table = Float64Array.from({ length: 16 }, (_, m) => v(m));
  assertAllClose(shapleyFromValueTable(table, 4), bruteForceShapley(v, 4), 0, 1e-12, "φ");
});

Deno.test("model-agnostic SHAP equals the linear closed form, per output (exact and kernel paths)", async () => {
  const rng = createRng(1);
  for (const [F, method] of [[4, "exact"], [12, "kernel"]] as const) {
    const betas = [
      Array.from({ length: F }, () => rng.normal()),
      Array.from({ length: F }, () => rng.normal()),
    ];
    const predict = linearModel(betas, [0.5, -2]);
    const bg = matrix(rng, 15, F), rows = matrix(rng, 3, F);
    const out = await explainModelAgnostic(rows, 3, {
      predict,
      numFeatures: F,
      numOutputs: 2,
      background: bg,
      backgroundRows: 15,
      method,
      nsamples: 300,
      random: () => rng.uniform(),
    });
    assert.equal(out.method, method);
    for (let k = 0; k < 2; k++) {
      for (let i = 0; i < 3; i++) {
        const x = rows.subarray(i * F, (i + 1) * F);
        assertAllClose(
          out.values[k].subarray(i * F, (i + 1) * F),
          closedForm(betas[k], x, bg, 15),
          0,
          1e-9,
          `${method} k${k} row${i}`,
        );
      }
    }
  }
});

/** A nonlinear model with interactions: exact SHAP from the value table is the reference. */
const nonlinear = (rows: Float64Array, n: number) =>
  Float64Array.from({ length: n }, (_, i) => {
    const x = rows.subarray(i * 6, i * 6 + 6);
    return Math.tanh(x[0] * x[1]) + x[2] ** 2 - 0.5 * x[3] * x[4] + Math.sin(x[5]);
  });

Deno.test("KernelSHAP: all coalitions give exact Shapley; sampling converges and keeps efficiency", async () => {
  const rng = createRng(2);
  const bg = matrix(rng, 10, 6), rows = matrix(rng, 2, 6);
  const common = { predict: nonlinear, numFeatures: 6, numOutputs: 1, background: bg, backgroundRows: 10 };
  const exact = await explainModelAgnostic(rows, 2, { ...common, method: "exact" });
  const enumerated = await explainModelAgnostic(rows, 2, { ...common, method: "kernel", nsamples: 62 });
  assertAllClose(enumerated.values[0], exact.values[0], 0, 1e-10, "enumerated KernelSHAP vs exact");
  const seeded = createRng(9);
  const sampled = await explainModelAgnostic(rows, 2, {
    ...common,
    method: "kernel",
    nsamples: 40,
    random: () => seeded.uniform(),
  });
  const f = nonlinear(rows, 2);
  for (let i = 0; i < 2; i++) {
    const sum = sampled.values[0].subarray(i * 6, i * 6 + 6).reduce((a, b) => a + b, 0);
    assertClose(sum + sampled.base[0], f[i], 0, 1e-9, `efficiency row ${i}`);
  }
  const err = Math.max(...sampled.values[0].map((v, j) => Math.abs(v - exact.values[0][j])));
  assert.ok(err < 0.15, `sampled KernelSHAP within 0.15 of exact, max error ${err}`);
  await assert.rejects(
    () => explainModelAgnostic(rows, 2, { ...common, method: "kernel", nsamples: 40 }),
    RangeError,
  );
});

Deno.test("mean |SHAP| importance and ranking", () => {
  const values = Float64Array.of(1, -2, 0, -3, 2, 0);
  assertAllClose(meanAbsShap(values, 2, 3), [2, 2, 0], 0, 0, "mean |φ|");
  assert.deepEqual(rankFeatures(["a", "b", "c"], [1, 3, 2]).map((r) => r.name), ["b", "c", "a"]);
});
