import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "../../../../lib/train/mod.ts";
import {
  installWasmBatchMatMul,
  uninstallWasmBatchMatMul,
} from "../../../../lib/nn/kernels/batch_matmul_wasm.ts";
import { lstmSequence } from "../../../../lib/nn/kernels/lstm_sequence.ts";
import { SeededRandom } from "../../../../lib/random/mod.ts";

await selectBackend("wasm");

function randn(shape: number[], seed: number, scale = 0.5): tf.Tensor {
  const rng = new SeededRandom(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Float32Array.from({ length: n }, () => (2 * rng.uniform() - 1) * scale), shape);
}

/** The same LSTM direction from plain tfjs ops (the reference). */
function referenceLstm(
  x: tf.Tensor3D,
  w: tf.Tensor2D,
  u: tf.Tensor2D,
  b: tf.Tensor1D,
  reverse = false,
): tf.Tensor3D {
  const [T, B] = x.shape, H = u.shape[0];
  let h: tf.Tensor2D = tf.zeros([B, H]), c: tf.Tensor2D = tf.zeros([B, H]);
  const out: tf.Tensor2D[] = new Array(T);
  const xs = tf.unstack(x) as tf.Tensor2D[];
  for (let k = 0; k < T; k++) {
    const s = reverse ? T - 1 - k : k;
    const z = tf.add(tf.add(tf.matMul(xs[s], w), tf.matMul(h, u)), b);
    const [zi, zf, zg, zo] = tf.split(z, 4, 1);
    c = tf.add(tf.mul(tf.sigmoid(zf), c), tf.mul(tf.sigmoid(zi), tf.tanh(zg)));
    h = tf.mul(tf.sigmoid(zo), tf.tanh(c));
    out[s] = h;
  }
  return tf.stack(out) as tf.Tensor3D;
}

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  const x = Array.from(a.dataSync()), y = Array.from(b.dataSync());
  assert.equal(x.length, y.length);
  return x.reduce((m, v, i) => Math.max(m, Math.abs(v - y[i])), 0);
}

Deno.test("lstmSequence equals the plain-tfjs LSTM: outputs and gradients of x, W, U, b, both directions", () => {
  const T = 5, B = 3, I = 4, H = 6;
  const x = randn([T, B, I], 1) as tf.Tensor3D, w = randn([I, 4 * H], 2) as tf.Tensor2D;
  const u = randn([H, 4 * H], 3) as tf.Tensor2D, b = randn([4 * H], 4) as tf.Tensor1D;
  const cot = randn([T, B, H], 5);
  for (const reverse of [false, true]) {
    const loss =
      (impl: typeof lstmSequence) => (xx: tf.Tensor, ww: tf.Tensor, uu: tf.Tensor, bb: tf.Tensor) =>
        tf.sum(
          tf.mul(
            impl(xx as tf.Tensor3D, ww as tf.Tensor2D, uu as tf.Tensor2D, bb as tf.Tensor1D, reverse),
            cot,
          ),
        );
    assert.ok(maxAbsDiff(lstmSequence(x, w, u, b, reverse), referenceLstm(x, w, u, b, reverse)) < 1e-6);
    const ours = tf.grads(loss(lstmSequence))([x, w, u, b]);
    const ref = tf.grads(loss(referenceLstm))([x, w, u, b]);
    ["x", "W", "U", "b"].forEach((name, i) => {
      const d = maxAbsDiff(ours[i], ref[i]);
      assert.ok(d < 1e-5, `${reverse ? "reverse" : "forward"} d${name}: max difference ${d}`);
    });
  }
});

Deno.test("the transposing wasm BatchMatMul equals the stock kernel for every transpose and batch combination", () => {
  const cases: [number[], number[], boolean, boolean][] = [
    [[7, 5], [5, 9], false, false],
    [[5, 7], [5, 9], true, false],
    [[7, 5], [9, 5], false, true],
    [[5, 7], [9, 5], true, true],
    [[3, 7, 5], [3, 9, 5], false, true],
    [[3, 5, 7], [3, 5, 9], true, false],
  ];
  const results = (install: boolean) => {
    if (install) installWasmBatchMatMul();
    try {
      return cases.map(([sa, sb, ta, tb], i) =>
        Array.from(tf.matMul(randn(sa, 10 + i), randn(sb, 20 + i), ta, tb).dataSync())
      );
    } finally {
      uninstallWasmBatchMatMul();
    }
  };
  const stock = results(false), ours = results(true);
  stock.forEach((s, i) => {
    const d = s.reduce((m: number, v: number, j: number) => Math.max(m, Math.abs(v - ours[i][j])), 0);
    assert.ok(d < 1e-5, `case ${i}: max difference ${d}`);
  });
  const before = tf.memory().numTensors;
  installWasmBatchMatMul();
  tf.tidy(() => {
    tf.matMul(randn([4, 3], 1), randn([4, 3], 2), true, false);
  });
  uninstallWasmBatchMatMul();
  assert.equal(tf.memory().numTensors, before, "the kernel leaks tensors");
});
