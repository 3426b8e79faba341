import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "../../../../lib/train/mod.ts";
import { fusedLayerNorm, fusedMeanOverSteps } from "../../../../lib/nn/kernels/layer_norm.ts";
import { layerNorm } from "../../../../lib/nn/layers/_layer_norm.ts";
import { SeededRandom } from "../../../../lib/random/mod.ts";

await selectBackend("wasm");

function randn(shape: number[], seed: number, scale = 1, shift = 0): tf.Tensor {
  const rng = new SeededRandom(seed), n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Float32Array.from({ length: n }, () => shift + (2 * rng.uniform() - 1) * scale), shape);
}

function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(1e-3, Math.abs(b[i])));
  }
  return worst;
}

Deno.test("fusedLayerNorm equals the tfjs composition of lib/nn/layers/_layer_norm.ts: values and gradients", () => {
  tf.tidy(() => {
    // Rows with an offset of 3 and scales 0.02 … 2 (per row): the statistics must keep a small variance.
    const x = randn([4, 6, 16], 1);
    const shifted = tf.add(tf.mul(x, randn([4, 6, 1], 3, 0.99, 1.01)), 3);
    const gain = tf.variable(randn([16], 4, 0.5, 1)), bias = tf.variable(randn([16], 5, 0.5));
    const cot = randn([4, 6, 16], 6);
    const ref = (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
      layerNorm(a, { gain: g, bias: b } as unknown as Parameters<typeof layerNorm>[1]);
    const values = [fusedLayerNorm(shifted, gain, bias), ref(shifted, gain, bias)].map((t) => t.dataSync());
    assert.ok(maxRelDiff(values[0], values[1]) < 1e-4, "values");
    // Closed form: with gain 1 and bias 0 each row has mean 0 and variance σ²/(σ² + ε), σ² the row's
    // biased variance (brute force in float64 from the input).
    const unit = fusedLayerNorm(shifted, tf.ones([16]), tf.zeros([16])).dataSync();
    const input = shifted.dataSync();
    for (let r = 0; r < 24; r++) {
      const row = Array.from(unit.subarray(r * 16, (r + 1) * 16));
      const xs = Array.from(input.subarray(r * 16, (r + 1) * 16));
      const mu = xs.reduce((s, v) => s + v, 0) / 16;
      const sigma2 = xs.reduce((s, v) => s + (v - mu) ** 2, 0) / 16;
      const mean = row.reduce((s, v) => s + v, 0) / 16;
      const variance = row.reduce((s, v) => s + (v - mean) ** 2, 0) / 16;
      assert.ok(Math.abs(mean) < 1e-6, `row ${r} mean ${mean}`);
      assert.ok(Math.abs(variance - sigma2 / (sigma2 + 1e-5)) < 1e-5, `row ${r} variance ${variance}`);
    }
    const loss = (f: typeof ref) => (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.mul(f(a, g, b), cot));
    const ours = tf.grads(loss(fusedLayerNorm))([shifted, gain, bias]);
    const theirs = tf.grads(loss(ref))([shifted, gain, bias]);
    ["x", "gain", "bias"].forEach((name, i) => {
      const d = maxRelDiff(ours[i].dataSync(), theirs[i].dataSync());
      assert.ok(d < 2e-3, `d${name}: max relative difference ${d}`);
    });
  });
});

Deno.test("fusedMeanOverSteps equals tf.mean over axis 1: values and gradient", () => {
  tf.tidy(() => {
    const x = randn([3, 7, 5], 7) as tf.Tensor3D, cot = randn([3, 5], 8);
    assert.ok(maxRelDiff(fusedMeanOverSteps(x).dataSync(), tf.mean(x, 1).dataSync()) < 1e-6);
    const g1 = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(fusedMeanOverSteps(a as tf.Tensor3D), cot)))(x);
    const g2 = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(tf.mean(a, 1), cot)))(x);
    assert.ok(maxRelDiff(g1.dataSync(), g2.dataSync()) < 1e-6);
  });
});
