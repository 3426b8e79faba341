/**
 * On WebGPU the LSTM-attention network runs the plain-tfjs layers (the fused ops of lib/nn/kernels read
 * their inputs on the host, which WebGPU cannot do synchronously). These tests check that the two paths are
 * the same function: outputs and every parameter gradient of the network on WebGPU (plain layers) against
 * wasm (fused ops) on small shapes, with padded sequences, causal attention, both LSTM directions and both
 * poolings. Tolerances are float32 ones: both paths compute in float32 with different summation orders.
 */
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { probeWebGpu, selectBackend } from "../../../lib/train/mod.ts";
import { buildLstmAttention, forwardLstmAttention, type LstmAttentionConfig } from "../../../lib/nn/mod.ts";
import { ParamStore } from "../../../lib/train/param_store.ts";
import { SeededRandom } from "../../../lib/random/mod.ts";

const IN_CI = Deno.env.get("CI") === "true";
const adapter = await probeWebGpu();

const B = 3, T = 5, F = 2;
const LENGTHS = [5, 3, 4];

function inputs(): { x: Float32Array; mask: Float32Array } {
  const rng = new SeededRandom(11);
  const x = Float32Array.from({ length: B * T * F }, () => 2 * rng.uniform() - 1);
  const mask = new Float32Array(B * T);
  LENGTHS.forEach((len, b) => mask.fill(1, b * T, b * T + len));
  return { x, mask };
}

/** Loss Σ y² · w (w fixed, so every output position matters differently) and every parameter gradient. */
async function lossAndGrads(backend: "wasm" | "webgpu", cfg: LstmAttentionConfig) {
  await selectBackend(backend);
  const store = new ParamStore();
  const params = buildLstmAttention(store, cfg, new SeededRandom(5));
  const { x, mask } = inputs();
  const xt = tf.tensor3d(x, [B, T, F]), mt = tf.tensor2d(mask, [B, T]);
  const { value, grads } = tf.variableGrads(() => {
    const out = forwardLstmAttention(params, cfg, xt, mt);
    const w = tf.linspace(0.5, 1.5, out.y.size).reshape(out.y.shape);
    return tf.sum(tf.mul(tf.square(out.y), w)) as tf.Scalar;
  }, store.list());
  const out = forwardLstmAttention(params, cfg, xt, mt);
  const result = {
    loss: (await value.data())[0],
    y: Array.from(await out.y.data()),
    weights: Array.from(await out.weights.data()),
    grads: new Map<string, number[]>(),
  };
  for (const name of store.names()) {
    result.grads.set(name, Array.from(await grads[store.get(name).name].data()));
  }
  tf.dispose([value, ...Object.values(grads), xt, mt, out.y, out.weights]);
  store.dispose();
  return result;
}

const BASE: LstmAttentionConfig = {
  inputDim: F,
  hidden: 4,
  heads: 2,
  bidirectional: false,
  causal: true,
  outputs: 2,
  mode: "seq2seq",
  pooling: "last",
};

const CASES: [string, Partial<LstmAttentionConfig>][] = [
  ["causal, seq2seq", {}],
  ["bidirectional, non-causal, seq2seq", { bidirectional: true, causal: false }],
  ["causal, seq2one, last-step pooling", { mode: "seq2one", pooling: "last" }],
  ["bidirectional, seq2one, mean pooling", {
    bidirectional: true,
    causal: false,
    mode: "seq2one",
    pooling: "mean",
  }],
];

for (const [name, change] of CASES) {
  Deno.test({
    name: `webgpu plain layers equal wasm fused ops (${name}, padded): outputs, attention weights, gradients`,
    ignore: adapter === null && !IN_CI,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn() {
      assert.ok(
        adapter,
        "CI=true but navigator.gpu offers no adapter: install mesa-vulkan-drivers libvulkan1",
      );
      const cfg = { ...BASE, ...change };
      const cpu = await lossAndGrads("wasm", cfg);
      const gpu = await lossAndGrads("webgpu", cfg);
      await selectBackend("wasm");
      const close = (a: number, b: number, tol: number) => Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));
      assert.ok(close(gpu.loss, cpu.loss, 1e-5), `loss ${gpu.loss} vs ${cpu.loss}`);
      gpu.y.forEach((v, i) => assert.ok(close(v, cpu.y[i], 1e-5), `y[${i}] ${v} vs ${cpu.y[i]}`));
      // Masked keys get weight exactly 0 on both paths (exp(−1e9) underflows), so absolute checks suffice.
      gpu.weights.forEach((v, i) =>
        assert.ok(Math.abs(v - cpu.weights[i]) <= 1e-5, `weight[${i}] ${v} vs ${cpu.weights[i]}`)
      );
      assert.deepEqual([...gpu.grads.keys()], [...cpu.grads.keys()]);
      for (const [param, g] of gpu.grads) {
        const ref = cpu.grads.get(param)!;
        const scale = Math.max(1e-3, ...ref.map(Math.abs));
        g.forEach((v, i) =>
          assert.ok(
            Math.abs(v - ref[i]) <= 1e-4 * scale,
            `${param}[${i}]: ${v} vs ${ref[i]} (scale ${scale})`,
          )
        );
      }
    },
  });
}
