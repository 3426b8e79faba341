import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { wasmReady } from "../../lib/train/wasm_backend.ts";
import type { LossInputs, LossInstance } from "../../../core/plugin.ts";
import mse from "../../../plugins/losses/mse.ts";
import mae from "../../../plugins/losses/mae.ts";
import huber from "../../../plugins/losses/huber.ts";
import mape from "../../../plugins/losses/mape.ts";
import physicsInformed from "../../../plugins/losses/physics_informed.ts";
import { createLogger } from "../../../core/log.ts";
import { createRng } from "../../../core/rng.ts";
import { gradientCheck } from "../../lib/nn/gradient_check.ts";

await wasmReady;

const ctx = { seed: 1, rng: createRng(1), log: createLogger({ quiet: true }), cacheDir: "artifacts/cache" };
type Loss = LossInstance<tf.Tensor>;
const make = async (def: { create: (o: never, c: typeof ctx) => unknown; options: unknown }, o = {}) => {
  const parsed = (def.options as { parse(v: unknown): unknown }).parse(o);
  return await def.create(parsed as never, ctx) as Loss;
};
const value = (s: tf.Tensor) => s.dataSync()[0];
const close = (a: number, b: number, tol = 1e-6) =>
  assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} vs ${b}`);
const inputs = (over: Partial<LossInputs<tf.Tensor>> = {}): LossInputs<tf.Tensor> => ({
  targetNames: ["soh"],
  directions: [],
  ...over,
});

// (B=2, K=2): errors ŷ − y = [[0.5, −2], [1, NaN-target(masked)]].
const y2 = tf.tensor2d([[1, 2], [3, NaN]]);
const p2 = tf.tensor2d([[1.5, 0], [4, 7]]);
const m2 = tf.tensor2d([[1, 1], [1, 0]]);
const in2 = inputs({ mask: m2, targetNames: ["soh", "lli"] });

Deno.test("mse by hand with a masked NaN target: (0.25 + 4 + 1) / 3", async () => {
  close(value((await make(mse)).compute(y2, p2, in2)), 5.25 / 3);
});

Deno.test("mae by hand: (0.5 + 2 + 1) / 3", async () => {
  close(value((await make(mae)).compute(y2, p2, in2)), 3.5 / 3);
});

Deno.test("huber by hand with δ = 1: (0.125 + 1.5 + 0.5) / 3", async () => {
  close(value((await make(huber, { delta: 1 })).compute(y2, p2, in2)), (0.125 + 1.5 + 0.5) / 3);
});

Deno.test("mape by hand, ε floors a zero target", async () => {
  const y = tf.tensor2d([[2], [0]]), p = tf.tensor2d([[3], [0.001]]);
  close(value((await make(mape, { epsilon: 0.01 })).compute(y, p, inputs())), (0.5 + 0.1) / 2);
});

Deno.test("an all-masked batch gives 0, not NaN", async () => {
  const zero = tf.zeros([2, 2]);
  for (const def of [mse, mae, huber, mape, physicsInformed]) {
    close(value((await make(def)).compute(y2, p2, { ...in2, mask: zero })), 0);
  }
});

Deno.test("gradients of masked losses stay finite with NaN targets under the mask", async () => {
  const p = tf.variable(p2.clone());
  for (const def of [mse, mae, huber, mape, physicsInformed]) {
    const loss = await make(def);
    const { grads } = tf.variableGrads(() => loss.compute(y2, p, in2) as tf.Scalar, [p]);
    assert.ok(Object.values(grads)[0].dataSync().every(Number.isFinite), def.name);
  }
});

// One sequence (B=1, T=4, K=2: soh, lli), uneven times 0, 1, 3, 7.
const tSeq = tf.tensor2d([[0, 1, 3, 7]]);
const ySeq = tf.tensor3d([[[1.0, 0], [0.9, 0.1], [0.8, 0.2], [0.7, 0.3]]]);
// Predictions: soh rises between steps 1→2 (violation 0.05), lli falls 2→3 (violation 0.1).
const pSeq = tf.tensor3d([[[1.0, 0.0], [0.9, 0.2], [0.95, 0.3], [0.7, 0.2]]]);

function byHand(mask: number[][]): { data: number; mono: number; smooth: number } {
  const yt = [[1.0, 0], [0.9, 0.1], [0.8, 0.2], [0.7, 0.3]];
  const yp = [[1.0, 0.0], [0.9, 0.2], [0.95, 0.3], [0.7, 0.2]];
  const t = [0, 1, 3, 7];
  let se = 0, n = 0, mono = 0, pairs = 0, smooth = 0, triples = 0;
  for (let s = 0; s < 4; s++) {
    for (let k = 0; k < 2; k++) if (mask[s][k]) (se += (yp[s][k] - yt[s][k]) ** 2), n++;
  }
  const sign = [1, -1]; // soh non-increasing, lli non-decreasing
  for (let s = 0; s < 3; s++) {
    for (let k = 0; k < 2; k++) {
      if (!mask[s][k] || !mask[s + 1][k]) continue;
      mono += Math.max(0, sign[k] * (yp[s + 1][k] - yp[s][k])) ** 2;
      pairs++;
    }
  }
  for (let s = 0; s < 2; s++) {
    for (let k = 0; k < 2; k++) {
      if (!mask[s][k] || !mask[s + 1][k] || !mask[s + 2][k]) continue;
      const d1 = t[s + 1] - t[s], d2 = t[s + 2] - t[s + 1];
      const s1 = (yp[s + 1][k] - yp[s][k]) / d1, s2 = (yp[s + 2][k] - yp[s + 1][k]) / d2;
      smooth += (2 * (s2 - s1) / (d1 + d2)) ** 2;
      triples++;
    }
  }
  return { data: se / n, mono: mono / Math.max(1, pairs), smooth: smooth / Math.max(1, triples) };
}

Deno.test("physics_informed by hand: direction per target, uneven Δt, no mask", async () => {
  const loss = await make(physicsInformed, { lambda_monotonic: 2, lambda_smooth: 0.5 });
  const got = value(loss.compute(ySeq, pSeq, inputs({ t: tSeq, targetNames: ["soh", "lli"] })));
  const h = byHand([[1, 1], [1, 1], [1, 1], [1, 1]]);
  // Spelled out: monotonic = (0.05² + 0.1²)/6; the first soh triple has slopes −0.1 and +0.025 over Δt 1, 2.
  close(h.mono, (0.05 ** 2 + 0.1 ** 2) / 6, 1e-12);
  close(got, h.data + 2 * h.mono + 0.5 * h.smooth, 1e-5);
});

Deno.test("physics_informed: pairs and triples touching a masked step are excluded", async () => {
  const mask = [[1, 1], [1, 1], [0, 1], [1, 1]];
  const loss = await make(physicsInformed, { lambda_monotonic: 2, lambda_smooth: 0.5 });
  const got = value(
    loss.compute(ySeq, pSeq, inputs({ t: tSeq, mask: tf.tensor3d([mask]), targetNames: ["soh", "lli"] })),
  );
  const h = byHand(mask);
  close(got, h.data + 2 * h.mono + 0.5 * h.smooth, 1e-5);
  // Masking step 2 of soh removes its rise and two soh pairs: lli's fall is left, over 4 valid pairs.
  close(h.mono, 0.1 ** 2 / 4, 1e-12);
});

Deno.test("physics_informed: direction overrides flip the penalty; (B, K) has no sequence terms", async () => {
  const flipped = await make(physicsInformed, { lambda_smooth: 0, directions: { soh: "none", lli: "none" } });
  const plain = await make(mse);
  const inp = inputs({ t: tSeq, targetNames: ["soh", "lli"] });
  close(value(flipped.compute(ySeq, pSeq, inp)), value(plain.compute(ySeq, pSeq, inp)), 1e-7);
  const pi = await make(physicsInformed, { lambda_monotonic: 5, lambda_smooth: 5 });
  close(value(pi.compute(y2, p2, in2)), 5.25 / 3);
});

Deno.test("loss gradients match central finite differences", async () => {
  const shape: [number, number, number] = [2, 4, 2];
  const yTrue = tf.randomUniform(shape, 0.5, 1, "float32", 3);
  const mask = tf.tensor3d([[[1, 1], [1, 0], [1, 1], [1, 1]], [[1, 1], [1, 1], [0, 1], [1, 1]]]);
  const t = tf.tensor2d([[0, 1, 3, 7], [0, 2, 3, 5]]);
  const cases: [string, Loss][] = [
    ["mse", await make(mse)],
    ["mae", await make(mae)],
    ["huber", await make(huber, { delta: 0.1 })],
    ["mape", await make(mape)],
    ["physics_informed", await make(physicsInformed, { lambda_monotonic: 3, lambda_smooth: 0.05 })],
  ];
  for (const [name, loss] of cases) {
    // Start far enough from kinks (|e| = δ, e = 0, Δŷ = 0) that a ±h step cannot cross one.
    const start = tf.add(yTrue, tf.randomUniform(shape, 0.2, 0.4, "float32", 4));
    const p = tf.variable(start);
    const worst = await gradientCheck(
      [p],
      () => loss.compute(yTrue, p, { t, mask, targetNames: ["soh", "lli"], directions: [] }) as tf.Scalar,
      { samples: 12, seed: 5, step: 1e-3 },
    );
    assert.ok(worst < 2e-2, `${name}: worst relative error ${worst}`);
  }
});
