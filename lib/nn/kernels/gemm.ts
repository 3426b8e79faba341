/**
 * Matrix products on plain Float32Arrays, for fused ops that keep their state outside tfjs.
 *
 * On the wasm backend the product runs on XNNPACK's fully-connected operator through the backend's own
 * `BatchMatMul` export, called directly: no tensor objects, no engine bookkeeping, no tape. Going through
 * `tf.matMul` costs ~50–100 µs per call in engine overhead and a copy out (`dataSync`), which dominated
 * the LSTM's 400 small recurrent products per W3 step (docs/results.md, section 6). XNNPACK caches the packed
 * right-hand matrix under the tensor id of B (tfjs tensors are immutable), so a B whose contents change
 * must get a fresh id: `gemm` registers and disposes its operands per call, `FixedRightGemm` keeps one B
 * for many products (the recurrent weights over a sequence). Other backends use a plain-JS loop.
 *
 * Everything is row-major; the kernel takes neither operand transposed (XNNPACK's path), so callers
 * transpose with `transpose` first.
 *
 * With a native BLAS in use (lib/blas `useNativeBlas`, the run's `training.blas=openblas`), every product here runs
 * on it instead, on the callers' arrays without copies; `sgemm` then also takes transposed and strided
 * operands as they are (with XNNPACK it gathers them first).
 */
import * as tf from "@tensorflow/tfjs";
import { type Gemm, type NativeBlas, nativeBlas } from "../../blas/mod.ts";

/** The parts of tfjs-backend-wasm's `BackendWasm` and its Emscripten module that this file uses. */
interface WasmModule {
  HEAPU8: Uint8Array;
  _malloc(bytes: number): number;
  _free(ptr: number): void;
  cwrap(name: string, ret: null, args: string[]): (...args: unknown[]) => void;
  tfjs: {
    registerTensor(id: number, size: number, offset: number): void;
    disposeData(id: number): void;
  };
}
interface WasmBackendLike {
  wasm: WasmModule;
  dataIdNextNumber: number;
}

type BatchMatMulFn = (
  aId: number,
  aShape: Uint8Array,
  aRank: number,
  bId: number,
  bShape: Uint8Array,
  bRank: number,
  transposeA: boolean,
  transposeB: boolean,
  outId: number,
) => void;

let cached: { backend: WasmBackendLike; call: BatchMatMulFn } | null | undefined;
let cachedFor: unknown;

/** The wasm backend and its BatchMatMul export, or null on any other backend. */
function wasmKernel(): { backend: WasmBackendLike; call: BatchMatMulFn } | null {
  const current = tf.getBackend() === "wasm" ? tf.backend() : null;
  if (current !== cachedFor || cached === undefined) {
    cachedFor = current;
    const be = current as unknown as WasmBackendLike | null;
    cached = be?.wasm?.cwrap
      ? {
        backend: be,
        call: be.wasm.cwrap("BatchMatMul", null, [
          "number",
          "array",
          "number",
          "number",
          "array",
          "number",
          "number",
          "number",
          "number",
        ]) as unknown as BatchMatMulFn,
      }
      : null;
  }
  return cached;
}

/** A block of wasm heap registered as a tfjs-wasm tensor (so the C++ kernels can find it by id). */
class HeapTensor {
  readonly id: number;
  readonly offset: number;
  constructor(readonly be: WasmBackendLike, readonly size: number) {
    // Ids come from the backend's own counter so they never collide with tensors tfjs creates.
    this.id = be.dataIdNextNumber++;
    this.offset = be.wasm._malloc(size * 4) >>> 0;
    be.wasm.tfjs.registerTensor(this.id, size, this.offset);
  }
  /** A view of the first `n` floats; re-created per use because heap growth detaches old views. */
  view(n = this.size): Float32Array {
    return new Float32Array(this.be.wasm.HEAPU8.buffer, this.offset, n);
  }
  dispose(): void {
    // disposeData also drops XNNPACK operators cached under this id.
    this.be.wasm.tfjs.disposeData(this.id);
    this.be.wasm._free(this.offset);
  }
}

function shapeBytes(rows: number, cols: number): Uint8Array {
  return new Uint8Array(new Int32Array([1, rows, cols]).buffer);
}

/**
 * Heap blocks reused by `gemm` (grown on demand): the per-call malloc/register/free of three blocks cost
 * as much as a 50×32×50 product itself. A and the output keep one id each (XNNPACK caches nothing under
 * them); B's block gets a fresh id per call, because packed weights are cached under B's id.
 */
interface Scratch {
  be: WasmBackendLike;
  a: HeapTensor;
  b: HeapTensor;
  out: HeapTensor;
}
let scratch: Scratch | null = null;

function scratchFor(be: WasmBackendLike, aSize: number, bSize: number, outSize: number): Scratch {
  if (scratch && scratch.be !== be) scratch = null; // a new backend instance: the old heap is gone
  const grow = (t: HeapTensor | undefined, size: number) => {
    if (t && t.size >= size) return t;
    t?.dispose();
    return new HeapTensor(be, Math.max(size, 2 * (t?.size ?? 0)));
  };
  scratch = {
    be,
    a: grow(scratch?.a, aSize),
    b: grow(scratch?.b, bSize),
    out: grow(scratch?.out, outSize),
  };
  return scratch;
}

/** out (m × n) = a (m × k) @ b (k × n); `out` is allocated when not given. */
export function gemm(
  a: Float32Array,
  m: number,
  k: number,
  b: Float32Array,
  n: number,
  out: Float32Array = new Float32Array(m * n),
): Float32Array {
  const native = nativeBlas();
  if (native) {
    native.sgemm(false, false, m, n, k, a, k, b, n, 0, out, n);
    return out;
  }
  const kernel = wasmKernel();
  // Below ~4k multiply-adds XNNPACK's per-call packing costs more than the JS loop.
  if (!kernel || m * k * n < 4096) return gemmJs(a, m, k, b, n, out);
  const be = kernel.backend;
  const s = scratchFor(be, m * k, k * n, m * n);
  s.a.view(m * k).set(a.subarray(0, m * k));
  s.b.view(k * n).set(b.subarray(0, k * n));
  const bId = be.dataIdNextNumber++;
  be.wasm.tfjs.registerTensor(bId, k * n, s.b.offset);
  try {
    kernel.call(s.a.id, shapeBytes(m, k), 3, bId, shapeBytes(k, n), 3, false, false, s.out.id);
  } finally {
    // Drops the operator XNNPACK packed for this B; the memory stays with the scratch block.
    be.wasm.tfjs.disposeData(bId);
  }
  out.set(s.out.view(m * n));
  return out;
}

/**
 * Many products a (m × k) @ B with one fixed B (k × n) and m ≤ `maxRows`: B is copied to the heap and
 * packed by XNNPACK once. Call `dispose` when done.
 */
export class FixedRightGemm {
  readonly #b: Float32Array;
  readonly #parts: { a: HeapTensor; b: HeapTensor; out: HeapTensor; call: BatchMatMulFn } | null;
  readonly #bShape: Uint8Array;
  /** The native BLAS in use when this was made (then B is used in place, not copied). */
  readonly #native: NativeBlas | null;

  constructor(b: Float32Array, readonly k: number, readonly n: number, readonly maxRows: number) {
    this.#b = b;
    this.#bShape = shapeBytes(k, n);
    this.#native = nativeBlas();
    const kernel = this.#native ? null : wasmKernel();
    if (!kernel) {
      this.#parts = null;
      return;
    }
    const be = kernel.backend;
    const parts = {
      a: new HeapTensor(be, maxRows * k),
      b: new HeapTensor(be, k * n),
      out: new HeapTensor(be, maxRows * n),
      call: kernel.call,
    };
    parts.b.view().set(b.subarray(0, k * n));
    this.#parts = parts;
  }

  /** a (m × k) @ B into `out` (m × n). */
  multiply(a: Float32Array, m: number, out: Float32Array): Float32Array {
    if (m > this.maxRows) throw new RangeError(`FixedRightGemm: ${m} rows > ${this.maxRows}`);
    const p = this.#parts;
    if (!p) {
      const native = this.#native;
      if (!native) return gemmJs(a, m, this.k, this.#b, this.n, out);
      native.sgemm(false, false, m, this.n, this.k, a, this.k, this.#b, this.n, 0, out, this.n);
      return out;
    }
    p.a.view(m * this.k).set(a.subarray(0, m * this.k));
    p.call(p.a.id, shapeBytes(m, this.k), 3, p.b.id, this.#bShape, 3, false, false, p.out.id);
    out.set(p.out.view(m * this.n));
    return out;
  }

  /** Frees the heap blocks (and XNNPACK's packed copy of B). */
  dispose(): void {
    if (!this.#parts) return;
    this.#parts.a.dispose();
    this.#parts.b.dispose();
    this.#parts.out.dispose();
  }
}

/**
 * BLAS's product on row-major arrays: c (m × n, row stride ldc) = op(a)·op(b) + beta·c, op(x) = x or xᵀ,
 * a and b stored with row strides lda and ldb (so a head's columns of a packed (rows × 3D) array can be
 * used in place). On a native BLAS one call; otherwise the operands are gathered into contiguous blocks
 * and multiplied by `gemm`.
 */
export const sgemm: Gemm<Float32Array> = (transA, transB, m, n, k, a, lda, b, ldb, beta, c, ldc) => {
  const native = nativeBlas();
  if (native) return native.sgemm(transA, transB, m, n, k, a, lda, b, ldb, beta, c, ldc);
  const product = gemm(gather(a, m, k, lda, transA), m, k, gather(b, k, n, ldb, transB), n);
  for (let i = 0; i < m; i++) {
    const at = i * ldc, from = i * n;
    for (let j = 0; j < n; j++) c[at + j] = product[from + j] + (beta === 0 ? 0 : beta * c[at + j]);
  }
};

/** op(x) (rows × cols) as a contiguous array, x stored with row stride ld (transposed: cols × rows). */
function gather(x: Float32Array, rows: number, cols: number, ld: number, trans: boolean): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) out[i * cols + j] = trans ? x[j * ld + i] : x[i * ld + j];
  }
  return out;
}

/** (rows × cols) → (cols × rows). */
export function transpose(a: Float32Array, rows: number, cols: number): Float32Array {
  return transposeInto(a, rows, cols, new Float32Array(rows * cols), 0);
}

/** Writes aᵀ (cols × rows) into `out` from element `at` on; returns `out`. */
export function transposeInto(
  a: Float32Array,
  rows: number,
  cols: number,
  out: Float32Array,
  at: number,
): Float32Array {
  // Blocked so both the reads and the writes stay within a few cache lines.
  const BS = 32;
  for (let r0 = 0; r0 < rows; r0 += BS) {
    const r1 = Math.min(rows, r0 + BS);
    for (let c0 = 0; c0 < cols; c0 += BS) {
      const c1 = Math.min(cols, c0 + BS);
      for (let r = r0; r < r1; r++) {
        const from = r * cols;
        for (let c = c0; c < c1; c++) out[at + c * rows + r] = a[from + c];
      }
    }
  }
  return out;
}

/**
 * out (m × n) = a (m × k) @ b (k × n) in plain JS, four rows at a time (each loaded b value is used four
 * times: ~2 G multiply-adds/s here against ~1 for the naive loop). Also the fallback off wasm.
 */
export function gemmJs(
  a: Float32Array,
  m: number,
  k: number,
  b: Float32Array,
  n: number,
  out: Float32Array = new Float32Array(m * n),
): Float32Array {
  out.fill(0, 0, m * n);
  let i = 0;
  for (; i + 4 <= m; i += 4) {
    const c0 = i * n, c1 = c0 + n, c2 = c1 + n, c3 = c2 + n;
    const r0 = i * k, r1 = r0 + k, r2 = r1 + k, r3 = r2 + k;
    for (let p = 0; p < k; p++) {
      const a0 = a[r0 + p], a1 = a[r1 + p], a2 = a[r2 + p], a3 = a[r3 + p], bp = p * n;
      for (let j = 0; j < n; j++) {
        const bv = b[bp + j];
        out[c0 + j] += a0 * bv;
        out[c1 + j] += a1 * bv;
        out[c2 + j] += a2 * bv;
        out[c3 + j] += a3 * bv;
      }
    }
  }
  for (; i < m; i++) {
    const ci = i * n, ri = i * k;
    for (let p = 0; p < k; p++) {
      const av = a[ri + p], bp = p * n;
      for (let j = 0; j < n; j++) out[ci + j] += av * b[bp + j];
    }
  }
  return out;
}
