/**
 * On WebGPU the LSTM-attention network runs the plain-tfjs layers (the fused ops of lib/nn/kernels read
 * their inputs on the host, which WebGPU cannot do synchronously). These tests check that the two paths are
 * the same function: outputs and every parameter gradient of the network on WebGPU (plain layers) against
 * wasm (fused ops) on small shapes, with padded sequences, causal attention, both LSTM directions and both
 * poolings. Tolerances are float32 ones: both paths compute in float32 with different summation orders.
 */
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { ParamStore, probeWebGpu, selectBackend } from "../../../lib/train/mod.ts";
import { buildLstmAttention, forwardLstmAttention, type LstmAttentionConfig } from "../../../lib/nn/mod.ts";

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

/** Runs `f` on wasm (the fused ops) and on WebGPU (their plain-tfjs path); values and input gradients. */
async function opOnBoth(f: (inputs: tf.Tensor[]) => tf.Tensor, shapes: number[][]) {
  const run = async (backend: "wasm" | "webgpu") => {
    await selectBackend(backend);
    const rng = new SeededRandom(17);
    const inputs = shapes.map((s) =>
      tf.tensor(Float32Array.from({ length: s.reduce((a, b) => a * b, 1) }, () => rng.uniform() - 0.5), s)
    );
    const weight = (t: tf.Tensor) => tf.linspace(0.5, 1.5, t.size).reshape(t.shape);
    const { value, grads } = tf.valueAndGrads((...xs: tf.Tensor[]) => {
      const y = f(xs);
      return tf.sum(tf.mul(y, weight(y))) as tf.Scalar;
    })(inputs);
    const out = {
      loss: (await value.data())[0],
      grads: await Promise.all(grads.map(async (g) => Array.from(await g.data()))),
    };
    tf.dispose([value, ...grads, ...inputs]);
    return out;
  };
  const cpu = await run("wasm"), gpu = await run("webgpu");
  await selectBackend("wasm");
  return { cpu, gpu };
}

Deno.test({
  name:
    "the fused LSTM-sequence and attention ops run on webgpu (plain path) and equal wasm: masks, causal, reverse",
  ignore: adapter === null && !IN_CI,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    assert.ok(adapter, "CI=true but navigator.gpu offers no adapter: install mesa-vulkan-drivers libvulkan1");
    const { lstmSequence, multiHeadAttention, packedMultiHeadAttention } = await import(
      "../../../lib/nn/mod.ts"
    );
    const maskTB = () => tf.tensor2d([1, 1, 1, 1, 1, 0, 1, 0, 0, 1, 0, 0], [4, 3]); // lengths 4, 2, 1 (time-major)
    const maskBT = () => tf.transpose(maskTB()) as tf.Tensor2D;
    const cases: [string, (xs: tf.Tensor[]) => tf.Tensor, number[][]][] = [
      [
        "lstmSequence, masked, reverse",
        (xs) =>
          lstmSequence(
            xs[0] as tf.Tensor3D,
            xs[1] as tf.Tensor2D,
            xs[2] as tf.Tensor2D,
            xs[3] as tf.Tensor1D,
            true,
            maskTB(),
          ),
        [[4, 3, 2], [2, 12], [3, 12], [12]],
      ],
      [
        "lstmSequence, forward",
        (xs) =>
          lstmSequence(
            xs[0] as tf.Tensor3D,
            xs[1] as tf.Tensor2D,
            xs[2] as tf.Tensor2D,
            xs[3] as tf.Tensor1D,
          ),
        [[4, 3, 2], [2, 12], [3, 12], [12]],
      ],
      [
        "multiHeadAttention, key mask, causal",
        (xs) =>
          multiHeadAttention(xs[0] as tf.Tensor3D, xs[1] as tf.Tensor3D, xs[2] as tf.Tensor3D, {
            heads: 2,
            keyMask: maskBT(),
            causal: true,
          }).output,
        [[3, 4, 4], [3, 4, 4], [3, 4, 4]],
      ],
      [
        "packedMultiHeadAttention, key mask",
        (xs) => packedMultiHeadAttention(xs[0] as tf.Tensor3D, { heads: 2, keyMask: maskBT() }).output,
        [[3, 4, 12]],
      ],
    ];
    for (const [name, f, shapes] of cases) {
      const { cpu, gpu } = await opOnBoth(f, shapes);
      assert.ok(
        Math.abs(gpu.loss - cpu.loss) <= 1e-5 * Math.max(1, Math.abs(cpu.loss)),
        `${name}: ${gpu.loss} vs ${cpu.loss}`,
      );
      gpu.grads.forEach((g, i) => {
        const scale = Math.max(1e-3, ...cpu.grads[i].map(Math.abs));
        g.forEach((v, j) =>
          assert.ok(
            Math.abs(v - cpu.grads[i][j]) <= 1e-4 * scale,
            `${name} grad ${i}[${j}]: ${v} vs ${cpu.grads[i][j]}`,
          )
        );
      });
    }
  },
});
