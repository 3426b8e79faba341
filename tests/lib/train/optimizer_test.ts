import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { wasmReady } from "./wasm_backend.ts";
import { createOptimizer, type OptimizerName } from "../../../lib/train/optimizer.ts";
import { learningRateAt } from "../../../lib/train/_schedule.ts";
import { clipByGlobalNorm, clipByGlobalNormOnDevice } from "../../../lib/train/_clip.ts";

await wasmReady;

/** Hand-written (float64) reference of torch's Adam / AdamW / SGD for one scalar parameter. */
function reference(name: OptimizerName, p0: number, grads: number[], lr: number, wd: number): number {
  let p = p0, m = 0, v = 0;
  grads.forEach((g0, i) => {
    const t = i + 1;
    if (name === "sgd") {
      p -= lr * (g0 + wd * p);
      return;
    }
    const g = name === "adam" ? g0 + wd * p : g0;
    if (name === "adamw") p *= 1 - lr * wd;
    m = 0.9 * m + 0.1 * g;
    v = 0.999 * v + 0.001 * g * g;
    p -= lr * (m / (1 - 0.9 ** t)) / (Math.sqrt(v / (1 - 0.999 ** t)) + 1e-8);
  });
  return p;
}

for (const name of ["adamw", "adam", "sgd"] as const) {
  Deno.test(`${name} steps equal the hand-computed update`, async () => {
    const grads = [0.5, -0.2, 0.8, 0.1];
    const p = tf.variable(tf.tensor1d([1.0, -2.0]));
    const opt = createOptimizer([p], { name, weightDecay: 0.1 });
    for (const g of grads) await opt.apply([p], [tf.tensor1d([g, 2 * g])], 0.05);
    const got = p.dataSync();
    const want = [
      reference(name, 1.0, grads, 0.05, 0.1),
      reference(name, -2.0, grads.map((g) => 2 * g), 0.05, 0.1),
    ];
    want.forEach((w, i) => assert.ok(Math.abs(got[i] - w) < 1e-6, `${name}[${i}]: ${got[i]} vs ${w}`));
    opt.dispose();
  });
}

Deno.test("AdamW's first step by hand: p = 1·(1 − 0.1·0.01) − 0.1 = 0.899", async () => {
  const p = tf.variable(tf.scalar(1));
  const opt = createOptimizer([p], { name: "adamw", weightDecay: 0.01 });
  await opt.apply([p], [tf.scalar(0.5)], 0.1);
  assert.ok(Math.abs(p.dataSync()[0] - 0.899) < 1e-6);
  await opt.apply([p], [tf.scalar(0.5)], 0.1);
  assert.ok(Math.abs(p.dataSync()[0] - 0.798101) < 1e-6);
});

Deno.test("optimizer state round-trips (getState → setState on a fresh optimizer)", async () => {
  const p = tf.variable(tf.tensor1d([1, 2]));
  const a = createOptimizer([p], { name: "adamw", weightDecay: 0.01 });
  await a.apply([p], [tf.tensor1d([0.3, -0.1])], 0.01);
  const q = tf.variable(p.clone());
  const b = createOptimizer([q], { name: "adamw", weightDecay: 0.01 });
  b.setState(await a.getState());
  await a.apply([p], [tf.tensor1d([0.2, 0.4])], 0.01);
  await b.apply([q], [tf.tensor1d([0.2, 0.4])], 0.01);
  assert.deepEqual(Array.from(q.dataSync()), Array.from(p.dataSync()));
});

Deno.test("SGDR learning rates at known epochs (T₀ = 10, η₀ = 0.1)", () => {
  const s = { schedule: "cosine_restarts" as const, learning_rate: 0.1, restart_period: 10 };
  const at = (e: number) => learningRateAt(s, e, 100);
  assert.equal(at(0), 0.1);
  assert.ok(Math.abs(at(5) - 0.05) < 1e-12);
  assert.ok(Math.abs(at(3) - 0.05 * (1 + Math.cos(0.3 * Math.PI))) < 1e-12);
  assert.ok(Math.abs(at(3) - 0.0793893) < 1e-7);
  assert.equal(at(10), 0.1); // warm restart
  assert.ok(Math.abs(at(15) - 0.05) < 1e-12);
  assert.ok(at(9) < 0.003);
});

Deno.test("cosine and constant schedules", () => {
  const cos = { schedule: "cosine" as const, learning_rate: 0.2, restart_period: 1 };
  assert.equal(learningRateAt(cos, 0, 20), 0.2);
  assert.ok(Math.abs(learningRateAt(cos, 10, 20) - 0.1) < 1e-12);
  assert.equal(learningRateAt({ ...cos, schedule: "constant" }, 13, 20), 0.2);
});

Deno.test("global-norm clipping scales all gradients together, and only above the limit", async () => {
  const grads = [tf.tensor1d([3, 4]), tf.tensor1d([12])]; // global norm 13
  const clipped = await clipByGlobalNorm(grads, 6.5);
  assert.ok(Math.abs(clipped.norm - 13) < 1e-5);
  const s = 6.5 / (13 + 1e-6);
  const got = clipped.grads.flatMap((g) => Array.from(g.dataSync()));
  [3 * s, 4 * s, 12 * s].forEach((w, i) => assert.ok(Math.abs(got[i] - w) < 1e-5));
  const untouched = await clipByGlobalNorm(grads, 20);
  assert.deepEqual(untouched.grads.flatMap((g) => Array.from(g.dataSync())), [3, 4, 12]);
  const off = await clipByGlobalNorm(grads, 0);
  assert.deepEqual(off.grads.flatMap((g) => Array.from(g.dataSync())), [3, 4, 12]);
});

Deno.test("the on-device clipping rule gives the host rule's gradients and norm", async () => {
  const grads = [tf.tensor1d([3, 4]), tf.tensor1d([12])]; // global norm 13
  for (const limit of [6.5, 20, 0]) {
    const host = await clipByGlobalNorm(grads, limit);
    const device = clipByGlobalNormOnDevice(grads, limit);
    assert.ok(Math.abs((await device.norm.data())[0] - 13) < 1e-5);
    const a = host.grads.flatMap((g) => Array.from(g.dataSync()));
    const b = device.grads.flatMap((g) => Array.from(g.dataSync()));
    a.forEach((v, i) =>
      assert.ok(Math.abs(v - b[i]) <= 1e-6 * Math.abs(v), `limit ${limit}: ${b[i]} vs ${v}`)
    );
  }
});
