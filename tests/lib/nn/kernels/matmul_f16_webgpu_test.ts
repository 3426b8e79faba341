/**
 * The float16 kernels of mixed precision (lib/nn/kernels/matmul_f16_webgpu.ts) on WebGPU (Mesa's software
 * adapter here and in CI, which offers shader-f16), against float64 brute force:
 *
 * - the cast rounds exactly as IEEE float16 does (`Math.f16round`), overflow and specials included;
 * - a product differs from the exact one by at most (2u + u²)·Σ|a||b| + γ_K·Σ|a||b| per entry, u = 2⁻¹¹ the
 *   unit roundoff of float16's 11-bit significand (each operand rounded once; the product of two float16
 *   values is exact in float32) and γ_K = K·2⁻²⁴/(1 − K·2⁻²⁴) the float32 summation bound — the worst case;
 *   rounding errors of random signs give about u·√K·|a||b| typically, which these data show;
 * - and it IS float16: against the exact product of the float16-rounded operands it is within the float32
 *   summation bound alone, while its distance to the unrounded product is beyond what float32 could explain
 *   (2γ_K) and ten times larger;
 * - the custom gradient (dA = dY·Bᵀ, dB = Aᵀ·dY through the same kernel, dY rounded too) obeys the same
 *   bounds against float64, and matches tf.matMul's float32 gradient within float16 tolerance.
 */
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import {
  halfKernelsAvailable,
  matMulHalf,
  matMulMixed,
  toHalf,
} from "../../../../lib/nn/kernels/matmul_f16_webgpu.ts";
import { selectBackend } from "../../../../lib/train/mod.ts";
import { GPU_TEST as GPU, webgpuAdapter } from "../../../fixtures/webgpu.ts";
import { SeededRandom } from "../../../../lib/random/mod.ts";

const U = 2 ** -11;
const f16round = (Math as unknown as { f16round(x: number): number }).f16round;

async function onWebGpu(fn: () => Promise<void>): Promise<void> {
  assert.ok(
    webgpuAdapter,
    "CI=true but navigator.gpu offers no adapter: install mesa-vulkan-drivers libvulkan1",
  );
  await selectBackend("webgpu");
  try {
    assert.ok(halfKernelsAvailable(), "the WebGPU device has no shader-f16 (Mesa's llvmpipe offers it)");
    await fn();
  } finally {
    await selectBackend("wasm");
  }
}

/** rows × cols values, normal(0, 1) times a per-matrix scale, seeded. */
function randomMatrix(rows: number, cols: number, seed: number, scale = 1): Float32Array {
  const rng = new SeededRandom(seed);
  return Float32Array.from({ length: rows * cols }, () => {
    const u = Math.max(rng.uniform(), 1e-12), v = rng.uniform();
    return scale * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  });
}

/** op(A)·op(B) in float64 with Σ|a||b| per entry; `round` rounds each operand first. */
function exactProduct(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  m: number,
  k: number,
  n: number,
  transA: boolean,
  transB: boolean,
  round: (x: number) => number = (x) => x,
): { c: Float64Array; abs: Float64Array } {
  const c = new Float64Array(m * n), abs = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0, t = 0;
      for (let p = 0; p < k; p++) {
        const x = round(transA ? a[p * m + i] : a[i * k + p]);
        const y = round(transB ? b[j * k + p] : b[p * n + j]);
        s += x * y;
        t += Math.abs(x * y);
      }
      c[i * n + j] = s, abs[i * n + j] = t;
    }
  }
  return { c, abs };
}

const gammaF32 = (k: number) => (k * 2 ** -24) / (1 - k * 2 ** -24);

/** Largest |got − want| / Σ|a||b| over the entries. */
function worstRelative(got: ArrayLike<number>, want: { c: Float64Array; abs: Float64Array }): number {
  let worst = 0;
  for (let i = 0; i < want.c.length; i++) {
    worst = Math.max(worst, Math.abs(got[i] - want.c[i]) / Math.max(want.abs[i], 1e-30));
  }
  return worst;
}

Deno.test({
  ...GPU,
  name: "webgpu f16: the cast rounds as IEEE float16, overflow to ±Inf, NaN kept",
  fn: () =>
    onWebGpu(async () => {
      const values = [
        0,
        1,
        1 / 3,
        -2.71828,
        1e-3,
        6.1e-5, // float16's smallest normal is 6.1035e-5
        65504,
        65519.9, // rounds down to the largest finite float16
        65520, // rounds to infinity
        -1e6,
        1e-9, // below the smallest subnormal: zero
        Infinity,
        -Infinity,
        NaN,
        12345.678,
      ];
      const x = tf.tensor2d(values, [values.length, 1]);
      // Read back through the product with 1 (exact: one term, no sum), so this checks the cast alone.
      const back = matMulHalf(toHalf(x), toHalf(tf.ones([1, 1])));
      const got = await back.data();
      values.forEach((v, i) =>
        assert.ok(Object.is(got[i], f16round(v)), `f16(${v}): ${got[i]} vs ${f16round(v)}`)
      );
      tf.dispose([x, back]);
    }),
});

for (
  const [m, k, n, transA, transB] of [
    [1, 1, 1, false, false],
    [37, 53, 29, false, false],
    [16, 64, 16, false, true],
    [45, 17, 70, true, false],
    [33, 129, 5, true, true],
  ] as [number, number, number, boolean, boolean][]
) {
  Deno.test({
    ...GPU,
    name: `webgpu f16: op(A)·op(B) ${m}×${k}·${k}×${n}${transA ? " (Aᵀ)" : ""}${
      transB ? " (Bᵀ)" : ""
    } within float16 bounds of float64`,
    fn: () =>
      onWebGpu(async () => {
        const a = randomMatrix(m, k, 11 + m, 3), b = randomMatrix(k, n, 17 + n, 0.5);
        const ta = tf.tensor2d(a, transA ? [k, m] : [m, k]), tb = tf.tensor2d(b, transB ? [n, k] : [k, n]);
        const ha = toHalf(ta), hb = toHalf(tb);
        const out = matMulHalf(ha, hb, transA, transB);
        assert.deepEqual(out.shape, [m, n]);
        const got = await out.data();
        const exact = exactProduct(a, b, m, k, n, transA, transB);
        const ofRounded = exactProduct(a, b, m, k, n, transA, transB, f16round);
        const toExact = worstRelative(got, exact), toRounded = worstRelative(got, ofRounded);
        assert.ok(toExact <= 2 * U + U * U + gammaF32(k), `error ${toExact} beyond the float16 bound`);
        assert.ok(toRounded <= gammaF32(k), `error ${toRounded} to the rounded operands' product`);
        if (m * k > 1) {
          // Beyond what float32 alone could explain, and ten times the distance to the rounded product.
          assert.ok(
            toExact > 2 * gammaF32(k) && toExact > 10 * toRounded,
            `error ${toExact}: no float16 rounding`,
          );
        }
        tf.dispose([ta, tb, ha.packed, hb.packed, out]);
      }),
  });
}

Deno.test({
  ...GPU,
  name: "webgpu f16: matMulMixed's gradient is dY·Bᵀ and Aᵀ·dY in float16, close to float32 tf.matMul's",
  fn: () =>
    onWebGpu(async () => {
      const m = 21, k = 34, n = 19;
      const a = randomMatrix(m, k, 5), b = randomMatrix(k, n, 6), dy = randomMatrix(m, n, 7, 0.25);
      const ta = tf.tensor2d(a, [m, k]), tb = tf.tensor2d(b, [k, n]), tdy = tf.tensor2d(dy, [m, n]);
      // Σ (A·B) ⊙ dY has gradients dY·Bᵀ and Aᵀ·dY.
      const weighted = (f: (x: tf.Tensor2D, y: tf.Tensor2D) => tf.Tensor) => (x: tf.Tensor, y: tf.Tensor) =>
        tf.sum(tf.mul(f(x as tf.Tensor2D, y as tf.Tensor2D), tdy));
      const [da, db] = tf.grads(weighted(matMulMixed))([ta, tb]);
      const [fa, fb] = tf.grads(weighted((x, y) => tf.matMul(x, y)))([ta, tb]);
      const [ga, gb, f32a, f32b] = await Promise.all([da.data(), db.data(), fa.data(), fb.data()]);
      // dA = dY·Bᵀ: dY is m×n, B stored k×n (transposed); dB = Aᵀ·dY: A stored m×k (transposed).
      const wantA = exactProduct(dy, b, m, n, k, false, true);
      const wantB = exactProduct(a, dy, k, m, n, true, false);
      const wantA16 = exactProduct(dy, b, m, n, k, false, true, f16round);
      const wantB16 = exactProduct(a, dy, k, m, n, true, false, f16round);
      assert.ok(worstRelative(ga, wantA) <= 2 * U + U * U + gammaF32(n), "dA beyond the float16 bound");
      assert.ok(worstRelative(gb, wantB) <= 2 * U + U * U + gammaF32(m), "dB beyond the float16 bound");
      assert.ok(worstRelative(ga, wantA16) <= gammaF32(n), "dA is not dY·Bᵀ of the float16 operands");
      assert.ok(worstRelative(gb, wantB16) <= gammaF32(m), "dB is not Aᵀ·dY of the float16 operands");
      // Against tfjs's float32 gradient: the same float16 bound (plus float32's own rounding).
      assert.ok(worstRelative(ga, { c: Float64Array.from(f32a), abs: wantA.abs }) <= 2 * U + 2 * gammaF32(n));
      assert.ok(worstRelative(gb, { c: Float64Array.from(f32b), abs: wantB.abs }) <= 2 * U + 2 * gammaF32(m));
      assert.notDeepEqual(Array.from(ga), Array.from(f32a));
      tf.dispose([ta, tb, tdy, da, db, fa, fb]);
    }),
});

Deno.test("f16: outside webgpu the kernels are refused with the reason", async () => {
  await selectBackend("wasm");
  assert.equal(halfKernelsAvailable(), false);
  const x = tf.ones([2, 2]) as tf.Tensor2D;
  assert.throws(() => matMulMixed(x, x), /float16 kernels run on the webgpu backend; tfjs is on 'wasm'/);
  x.dispose();
});
