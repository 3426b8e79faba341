/**
 * `training.blas` below the CLI: the products of `sgemm` (kernels/gemm.ts) with transposed and strided
 * operands against a brute-force triple loop, both on OpenBLAS and on the built-in path; the native
 * library's bounds check (an operand too short for its extent is a RangeError, not a read past the array);
 * and `applyTrainingBlas` switching the process between the two (the transposing BatchMatMul kernel only
 * while openblas is in use on wasm, the stock kernel back afterwards, nothing on webgpu).
 * Tests that need the library are ignored, with the reason printed, where it cannot be loaded.
 */
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "../../../lib/train/mod.ts";
import { applyTrainingBlas, sgemm } from "../../../lib/nn/mod.ts";
import { nativeBlas, useNativeBlas } from "../../../lib/blas/mod.ts";
import { openBlas } from "../../fixtures/openblas.ts";
import { SeededRandom } from "../../../lib/random/mod.ts";

await selectBackend("wasm");

const noLibrary = openBlas === null;

function random(n: number, seed: number): Float32Array {
  const rng = new SeededRandom(seed);
  return Float32Array.from({ length: n }, () => 2 * rng.uniform() - 1);
}

/** c = op(a)·op(b) + beta·c by the definition, in float64, on the same strided storage. */
function bruteForce(
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  a: Float32Array,
  lda: number,
  b: Float32Array,
  ldb: number,
  beta: number,
  c: Float32Array,
  ldc: number,
): Float64Array {
  const out = Float64Array.from(c);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let p = 0; p < k; p++) {
        sum += (transA ? a[p * lda + i] : a[i * lda + p]) * (transB ? b[j * ldb + p] : b[p * ldb + j]);
      }
      out[i * ldc + j] = sum + beta * c[i * ldc + j];
    }
  }
  return out;
}

/** Every transpose combination, row strides wider than the matrices, beta 0 and 0.5. */
function checkProducts(): void {
  const m = 7, n = 9, k = 13;
  for (const transA of [false, true]) {
    for (const transB of [false, true]) {
      for (const beta of [0, 0.5]) {
        const lda = (transA ? m : k) + 3, ldb = (transB ? k : n) + 2, ldc = n + 4;
        const a = random((transA ? k : m) * lda, 1), b = random((transB ? n : k) * ldb, 2);
        const c = random(m * ldc, 3);
        const want = bruteForce(transA, transB, m, n, k, a, lda, b, ldb, beta, c, ldc);
        sgemm(transA, transB, m, n, k, a, lda, b, ldb, beta, c, ldc);
        for (let i = 0; i < m; i++) {
          for (let j = 0; j < ldc; j++) {
            const at = i * ldc + j;
            // Inside the matrix: 13 float32 terms of size ≤ 1, each add rounded by ≤ 2⁻²⁴·13, bound the
            // error by 13·13·2⁻²⁴ ≈ 1e-5; a wrong transpose or stride is off by O(1). Past column n (the
            // stride's padding) nothing may change.
            const tol = j < n ? 2e-5 : 0;
            assert.ok(
              Math.abs(c[at] - want[at]) <= tol,
              `transA=${transA} transB=${transB} beta=${beta} (${i},${j}): ${c[at]} vs ${want[at]}`,
            );
          }
        }
      }
    }
  }
}

Deno.test("sgemm on the built-in path: transposes and strides match brute force", () => {
  const was = useNativeBlas(null);
  try {
    checkProducts();
  } finally {
    useNativeBlas(was);
  }
});

Deno.test({
  name: "sgemm on OpenBLAS: transposes and strides match brute force",
  ignore: noLibrary,
  fn() {
    const was = useNativeBlas(openBlas);
    try {
      checkProducts();
    } finally {
      useNativeBlas(was);
    }
  },
});

Deno.test({
  name: "OpenBLAS's sgemm refuses an operand too short for its extent (RangeError, no crash)",
  ignore: noLibrary,
  fn() {
    const m = 4, n = 5, k = 6;
    const a = new Float32Array(m * k), b = new Float32Array(k * n), c = new Float32Array(m * n);
    // One float short of A (4 × 6, stride 6 needs 24).
    assert.throws(
      () => openBlas!.sgemm(false, false, m, n, k, a.subarray(1), k, b, n, 0, c, n),
      (e: unknown) =>
        e instanceof RangeError && /A is 4 × 6 with row stride 6, which needs 24/.test(e.message),
    );
    // A stride that makes the last row of C run past its end.
    assert.throws(() => openBlas!.sgemm(false, false, m, n, k, a, k, b, n, 0, c, n + 1), RangeError);
    // Transposed B read as n × k with stride k: 30 floats, given 29.
    assert.throws(() => openBlas!.sgemm(false, true, m, n, k, a, k, b.subarray(1), k, 0, c, n), RangeError);
    // The same call with the right sizes runs.
    openBlas!.sgemm(false, true, m, n, k, a, k, b, k, 0, c, n);
  },
});

Deno.test({
  name: "applyTrainingBlas: openblas routes products and installs the kernel on wasm; builtin undoes both",
  ignore: noLibrary,
  fn() {
    const stock = tf.getKernel("BatchMatMul", "wasm")!.kernelFunc;
    const lines: string[] = [];
    try {
      applyTrainingBlas("openblas", "wasm", (l) => lines.push(l));
      assert.equal(nativeBlas(), openBlas);
      assert.notEqual(tf.getKernel("BatchMatMul", "wasm")!.kernelFunc, stock, "transposing kernel installed");
      assert.equal(lines.length, 1);
      assert.ok(lines[0].includes(openBlas!.path) && lines[0].includes(openBlas!.config), lines[0]);

      applyTrainingBlas(undefined, "wasm", (l) => lines.push(l));
      assert.equal(nativeBlas(), null);
      assert.equal(tf.getKernel("BatchMatMul", "wasm")!.kernelFunc, stock, "stock kernel back");

      applyTrainingBlas("openblas", "cpu");
      assert.equal(nativeBlas(), openBlas, "cpu backend: the fused kernels' products go native");
      assert.equal(tf.getKernel("BatchMatMul", "wasm")!.kernelFunc, stock, "no wasm kernel for cpu");

      applyTrainingBlas("openblas", "webgpu", (l) => lines.push(l));
      assert.equal(nativeBlas(), null);
      assert.match(lines.at(-1)!, /training\.blas=openblas does not apply on webgpu/);
    } finally {
      applyTrainingBlas("builtin", "wasm");
    }
    assert.equal(tf.getKernel("BatchMatMul", "wasm")!.kernelFunc, stock);
  },
});
