import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "../../../../lib/train/mod.ts";
import { multiHeadAttention, packedMultiHeadAttention } from "../../../../lib/nn/kernels/attention.ts";
import { FixedRightGemm, gemm, gemmJs, transpose } from "../../../../lib/nn/kernels/gemm.ts";
import {
  expFast,
  lstmBackward,
  lstmForward,
  lstmSequence,
} from "../../../../lib/nn/kernels/lstm_sequence.ts";
import { type NativeBlas, useNativeBlas } from "../../../../lib/blas/mod.ts";
import { openBlas } from "../../../fixtures/openblas.ts";
import { bidirectionalLstmSequence } from "../../../../lib/nn/kernels/bidirectional_lstm.ts";
import {
  installWasmBatchMatMul,
  uninstallWasmBatchMatMul,
} from "../../../../lib/nn/kernels/batch_matmul_wasm.ts";
import { attentionBias } from "../../../../lib/nn/layers/_attention.ts";
import { lstm, type LstmParams } from "../../../../lib/nn/layers/_lstm.ts";
import { SeededRandom } from "../../../../lib/random/mod.ts";

await selectBackend("wasm");

/**
 * The fused ops run on XNNPACK (builtin) and, with `training.blas=openblas`, on OpenBLAS: the same checks
 * for both. `grow` allocates a 64 MiB tensor between forward and backward (inside the differentiated
 * function): the wasm heap grows and every view of it made earlier is detached, which the native path's
 * zero-copy reads (gemm.ts tensorValues) must survive.
 */
const MODES = [
  { name: "XNNPACK", blas: () => null, ignore: false },
  { name: "OpenBLAS", blas: () => openBlas, ignore: openBlas === null },
];

function inMode(blas: NativeBlas | null, body: () => void): void {
  const was = useNativeBlas(blas);
  try {
    tf.tidy(body);
  } finally {
    useNativeBlas(was);
  }
}

/** Adds 0 · Σ(64 MiB of zeros) to x: the value is unchanged, the heap has grown. */
function growHeap<T extends tf.Tensor>(x: T): T {
  return tf.add(x, tf.mul(tf.sum(tf.zeros([1 << 24])), 0)) as T;
}

function uniform(n: number, seed: number, scale = 0.5): Float32Array {
  const rng = new SeededRandom(seed);
  return Float32Array.from({ length: n }, () => (2 * rng.uniform() - 1) * scale);
}

function randn(shape: number[], seed: number, scale = 0.5): tf.Tensor {
  return tf.tensor(uniform(shape.reduce((a, b) => a * b, 1), seed, scale), shape);
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

Deno.test("gemm (XNNPACK), FixedRightGemm and transpose equal the plain-JS product", () => {
  for (const [m, k, n] of [[32, 64, 256], [50, 32, 50], [7, 5, 3], [3, 200, 9]]) {
    const a = uniform(m * k, 1), b = uniform(k * n, 2);
    const ref = gemmJs(a, m, k, b, n);
    assert.ok(maxAbsDiff(gemm(a, m, k, b, n), ref) < 1e-5, `gemm ${m}×${k}×${n}`);
    const fixed = new FixedRightGemm(b, k, n, m);
    const out = new Float32Array(m * n);
    // Twice: the packed B must be reused, the left operand replaced.
    fixed.multiply(a.map((v) => -v), m, out);
    fixed.multiply(a, m, out);
    fixed.dispose();
    assert.ok(maxAbsDiff(out, ref) < 1e-5, `FixedRightGemm ${m}×${k}×${n}`);
    const t = transpose(a, m, k);
    assert.equal(t[1 * m + 0], a[0 * k + 1]);
    assert.deepEqual(transpose(t, k, m), a);
  }
  // A changed B with the same shape must not reuse XNNPACK's packed copy of the old one.
  const a = uniform(32 * 64, 3), b1 = uniform(64 * 64, 4), b2 = uniform(64 * 64, 5);
  gemm(a, 32, 64, b1, 64);
  assert.ok(maxAbsDiff(gemm(a, 32, 64, b2, 64), gemmJs(a, 32, 64, b2, 64)) < 1e-5);
});

Deno.test("expFast is within 1e-8 relative of Math.exp on [−87, 87]", () => {
  let worst = 0;
  for (let i = 0; i <= 20000; i++) {
    const x = -87 + 174 * i / 20000, e = Math.exp(x);
    worst = Math.max(worst, Math.abs(expFast(x) - e) / e);
  }
  assert.ok(worst < 1e-8, `max relative error ${worst}`);
});

function checkLstm(H: number, grow: boolean): void {
  const T = 6, B = 3, I = 4;
  const lengths = [6, 4, 1];
  const maskBT = tf.tensor2d(
    Float32Array.from({ length: B * T }, (_, q) => (q % T) < lengths[Math.floor(q / T)] ? 1 : 0),
    [B, T],
  );
  const x = randn([B, T, I], 1) as tf.Tensor3D, w = randn([I, 4 * H], 2) as tf.Tensor2D;
  const u = randn([H, 4 * H], 3) as tf.Tensor2D, b = randn([4 * H], 4) as tf.Tensor1D;
  const cot = randn([B, T, H], 5);
  for (const reverse of [false, true]) {
    const ref = (xx: tf.Tensor, ww: tf.Tensor, uu: tf.Tensor, bb: tf.Tensor) => {
      const p = { w: ww, u: uu, b: bb, hidden: H } as unknown as LstmParams;
      return lstm(xx as tf.Tensor3D, maskBT, p, reverse);
    };
    const ours = (xx: tf.Tensor, ww: tf.Tensor, uu: tf.Tensor, bb: tf.Tensor) => {
      const tm = tf.transpose(xx, [1, 0, 2]) as tf.Tensor3D;
      const maskTB = tf.transpose(maskBT) as tf.Tensor2D;
      const h = lstmSequence(tm, ww as tf.Tensor2D, uu as tf.Tensor2D, bb as tf.Tensor1D, reverse, maskTB);
      return tf.transpose(grow ? growHeap(h) : h, [1, 0, 2]) as tf.Tensor3D;
    };
    assert.ok(maxAbsDiff(ours(x, w, u, b).dataSync(), ref(x, w, u, b).dataSync()) < 1e-6);
    const loss = (f: typeof ours) => (...a: tf.Tensor[]) => tf.sum(tf.mul(f(a[0], a[1], a[2], a[3]), cot));
    const g1 = tf.grads(loss(ours))([x, w, u, b]), g2 = tf.grads(loss(ref))([x, w, u, b]);
    ["x", "W", "U", "b"].forEach((name, i) => {
      const d = maxAbsDiff(g1[i].dataSync(), g2[i].dataSync());
      assert.ok(d < 1e-5, `H ${H}, ${reverse ? "reverse" : "forward"} d${name}: max difference ${d}`);
    });
  }
}

for (const mode of MODES) {
  // H = 5: the JS cell loops; H = 8: the SIMD wasm cell with its tape in its own memory.
  Deno.test({
    name: `lstmSequence (${mode.name}${mode.ignore ? ": not loadable here" : ""}) with a step mask equals ` +
      "lib/nn/layers/_lstm.ts: outputs and gradients, also across a heap growth",
    ignore: mode.ignore,
    fn: () => {
      for (const H of [5, 8]) for (const grow of [false, true]) inMode(mode.blas(), () => checkLstm(H, grow));
    },
  });
}

/** Values and gradients of the bidirectional op and of two one-direction ops + concat. */
function bidirectionalPair(grow: boolean): { ours: Float32Array[]; ref: Float32Array[] } {
  const T = 5, B = 3, I = 4, H = 8;
  const lengths = [5, 3, 1];
  const maskTB = tf.tensor2d(
    Float32Array.from({ length: T * B }, (_, q) => Math.floor(q / B) < lengths[q % B] ? 1 : 0),
    [T, B],
  );
  const params = [1, 2, 3, 4, 5, 6, 7].map((seed, i) =>
    randn([[T, B, I], [I, 4 * H], [H, 4 * H], [4 * H]][i === 0 ? 0 : 1 + (i - 1) % 3], seed)
  );
  const cot = randn([T, B, 2 * H], 8);
  const dir = (a: tf.Tensor[], at: number) => ({
    w: a[at] as tf.Tensor2D,
    u: a[at + 1] as tf.Tensor2D,
    b: a[at + 2] as tf.Tensor1D,
  });
  const both = (f: (a: tf.Tensor[]) => tf.Tensor) => {
    const loss = (...a: tf.Tensor[]) => tf.sum(tf.mul(grow ? growHeap(f(a)) : f(a), cot));
    return [f(params), ...tf.grads(loss)(params)].map((t) => t.dataSync() as Float32Array);
  };
  const ours = both((a) => bidirectionalLstmSequence(a[0] as tf.Tensor3D, dir(a, 1), dir(a, 4), maskTB));
  const ref = both((a) => {
    const run = (d: ReturnType<typeof dir>, reverse: boolean) =>
      lstmSequence(a[0] as tf.Tensor3D, d.w, d.u, d.b, reverse, maskTB);
    return tf.concat([run(dir(a, 1), false), run(dir(a, 4), true)], 2);
  });
  return { ours, ref };
}

Deno.test("bidirectionalLstmSequence equals two lstmSequence ops and a concat, bit for bit (XNNPACK)", () => {
  inMode(null, () => {
    const { ours, ref } = bidirectionalPair(false);
    ours.forEach((o, i) => assert.deepEqual(o, ref[i], `output/gradient ${i}`));
  });
});

Deno.test({
  name:
    `bidirectionalLstmSequence (OpenBLAS${
      openBlas ? "" : ": not loadable here"
    }) equals two lstmSequence ops ` +
    "and a concat within 1e-6, also across a heap growth",
  ignore: openBlas === null,
  fn: () => {
    for (const grow of [false, true]) {
      inMode(openBlas, () => {
        const { ours, ref } = bidirectionalPair(grow);
        ours.forEach((o, i) => {
          const d = maxAbsDiff(o, ref[i]);
          assert.ok(d < 1e-6, `output/gradient ${i}${grow ? " (heap grown)" : ""}: ${d}`);
        });
      });
    }
  },
});

Deno.test("lstmBackward refuses to run twice on one wasm tape (its memory went back to the pool)", () => {
  const T = 3, B = 2, I = 4, H = 8;
  const dims = { steps: T, batch: B, input: I, hidden: H, reverse: false, mask: null };
  const tape = lstmForward(
    uniform(T * B * I, 1),
    uniform(I * 4 * H, 2),
    uniform(H * 4 * H, 3),
    uniform(4 * H, 4),
    dims,
  );
  assert.ok(tape.cell, "H = 8 takes the wasm cell");
  lstmBackward(tape, uniform(T * B * H, 5));
  assert.throws(() => lstmBackward(tape, uniform(T * B * H, 5)), /already run/);
});

/** The attention core of lib/nn/layers/_attention.ts (without projections), in plain tfjs. */
function referenceAttention(
  q: tf.Tensor3D,
  k: tf.Tensor3D,
  v: tf.Tensor3D,
  heads: number,
  stepMask: tf.Tensor2D,
  causal: boolean,
): tf.Tensor3D {
  const [b, steps, d] = q.shape, dh = d / heads;
  const split = (t: tf.Tensor) =>
    tf.transpose(tf.reshape(t, [b, steps, heads, dh]), [0, 2, 1, 3]) as tf.Tensor4D;
  const scores = tf.add(
    tf.div(tf.matMul(split(q), split(k), false, true), Math.sqrt(dh)),
    attentionBias(stepMask, causal),
  );
  const weights = tf.softmax(scores, -1);
  return tf.reshape(tf.transpose(tf.matMul(weights, split(v)), [0, 2, 1, 3]), [b, steps, d]) as tf.Tensor3D;
}

function checkAttention(grow: boolean): void {
  const B = 3, T = 7, D = 8, heads = 2;
  const q = randn([B, T, D], 1, 1) as tf.Tensor3D, k = randn([B, T, D], 2, 1) as tf.Tensor3D;
  const v = randn([B, T, D], 3, 1) as tf.Tensor3D, cot = randn([B, T, D], 4);
  const lengths = [7, 5, 2];
  const padded = tf.tensor2d(
    Float32Array.from({ length: B * T }, (_, i) => (i % T) < lengths[Math.floor(i / T)] ? 1 : 0),
    [B, T],
  );
  const ones = tf.ones([B, T]) as tf.Tensor2D;
  const growIf = (t: tf.Tensor3D) => grow ? growHeap(t) : t;
  for (const [mask, causal] of [[ones, false], [padded, false], [ones, true], [padded, true]] as const) {
    const label = `${mask === padded ? "padded" : "full"}${causal ? ", causal" : ""}`;
    const opts = { heads, keyMask: mask, causal };
    const ours = multiHeadAttention(q, k, v, { ...opts, weights: true });
    const ref = referenceAttention(q, k, v, heads, mask, causal);
    assert.ok(maxAbsDiff(ours.output.dataSync(), ref.dataSync()) < 1e-6, `${label}: values`);
    const [b, steps, d] = q.shape, dh = d / heads;
    const split = (t: tf.Tensor) => tf.transpose(tf.reshape(t, [b, steps, heads, dh]), [0, 2, 1, 3]);
    const refWeights = tf.softmax(
      tf.add(tf.div(tf.matMul(split(q), split(k), false, true), Math.sqrt(dh)), attentionBias(mask, causal)),
      -1,
    );
    assert.ok(maxAbsDiff(ours.weights!.dataSync(), refWeights.dataSync()) < 1e-6, `${label}: weights`);
    const lossOurs = (a: tf.Tensor, bb: tf.Tensor, c: tf.Tensor) =>
      tf.sum(
        tf.mul(
          growIf(multiHeadAttention(a as tf.Tensor3D, bb as tf.Tensor3D, c as tf.Tensor3D, opts).output),
          cot,
        ),
      );
    const lossRef = (a: tf.Tensor, bb: tf.Tensor, c: tf.Tensor) =>
      tf.sum(
        tf.mul(
          referenceAttention(a as tf.Tensor3D, bb as tf.Tensor3D, c as tf.Tensor3D, heads, mask, causal),
          cot,
        ),
      );
    const g1 = tf.grads(lossOurs)([q, k, v]), g2 = tf.grads(lossRef)([q, k, v]);
    ["q", "k", "v"].forEach((name, i) => {
      const dd = maxAbsDiff(g1[i].dataSync(), g2[i].dataSync());
      assert.ok(dd < 1e-5, `${label}: d${name} max difference ${dd}`);
    });
    // The packed form is the same op on [q | k | v].
    const qkv = tf.concat([q, k, v], 2) as tf.Tensor3D;
    const packed = packedMultiHeadAttention(qkv, opts).output;
    assert.ok(maxAbsDiff(packed.dataSync(), ref.dataSync()) < 1e-6, `${label}: packed values`);
    const gp = tf.grad((x: tf.Tensor) =>
      tf.sum(tf.mul(growIf(packedMultiHeadAttention(x as tf.Tensor3D, opts).output), cot))
    )(qkv);
    const gref = tf.concat(g2, 2);
    assert.ok(maxAbsDiff(gp.dataSync(), gref.dataSync()) < 1e-5, `${label}: packed gradient`);
  }
}

for (const mode of MODES) {
  Deno.test({
    name:
      `multiHeadAttention (${mode.name}${
        mode.ignore ? ": not loadable here" : ""
      }) equals plain-tfjs attention ` +
      "with padding and causal masks: values, weights, gradients, also across a heap growth",
    ignore: mode.ignore,
    fn: () => {
      for (const grow of [false, true]) inMode(mode.blas(), () => checkAttention(grow));
    },
  });
}

Deno.test({
  name:
    `the wasm BatchMatMul kernel on OpenBLAS${
      openBlas ? "" : " (not loadable here)"
    }: transposed and batched ` +
    "products equal the plain-JS product, broadcasting a batch of one",
  ignore: openBlas === null,
  fn: () => {
    installWasmBatchMatMul();
    try {
      inMode(openBlas, () => {
        const [batch, m, k, n] = [3, 5, 7, 4];
        const a = uniform(batch * m * k, 11), b = uniform(batch * k * n, 12);
        const expected = new Float32Array(batch * m * n);
        for (let i = 0; i < batch; i++) {
          const block = gemmJs(a.subarray(i * m * k), m, k, b.subarray(i * k * n), n);
          expected.set(block.subarray(0, m * n), i * m * n);
        }
        const at = tf.tensor3d(a, [batch, m, k]), bt = tf.tensor3d(b, [batch, k, n]);
        const swap = (t: tf.Tensor) => tf.transpose(t, [0, 2, 1]);
        for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]]) {
          const out = tf.matMul(ta ? swap(at) : at, tb ? swap(bt) : bt, ta, tb);
          assert.deepEqual(out.shape, [batch, m, n]);
          assert.ok(maxAbsDiff(out.dataSync(), expected) < 1e-5, `transposeA ${ta}, transposeB ${tb}`);
        }
        // B of batch 1 broadcast over A's batch.
        const one = tf.matMul(at, tf.tensor3d(b.subarray(0, k * n), [1, k, n]));
        const first = gemmJs(a.subarray(m * k, 2 * m * k), m, k, b, n);
        assert.ok(maxAbsDiff(one.dataSync().subarray(m * n, 2 * m * n), first) < 1e-5, "broadcast batch");
      });
    } finally {
      uninstallWasmBatchMatMul();
    }
  },
});
