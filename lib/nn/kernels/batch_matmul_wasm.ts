/**
 * A replacement for tfjs-backend-wasm 4.22's BatchMatMul kernel. The stock kernel sends a product to
 * XNNPACK only when nothing is transposed and there is no batch axis; every backward product of a dense
 * layer is transposed and ran a scalar triple loop (a (32,64)@(64,256) product: 97 µs untransposed,
 * 658 µs with B transposed, 1,071 µs with A transposed — toolchain.md). This kernel transposes the operand
 * explicitly (the wasm Transpose kernel) and calls the stock kernel untransposed.
 *
 * With a native BLAS in use (gemm.ts `useNativeBlas`, `training.blas=openblas`) every product, transposed or
 * not, is one BLAS call per batch entry on the tensors' own heap memory: no Transpose kernel, no copy.
 */
import * as tf from "@tensorflow/tfjs";
import { type NativeBlas, nativeBlas } from "../../blas/mod.ts";

type KernelFunc = tf.KernelConfig["kernelFunc"];
type KernelArgs = Parameters<KernelFunc>[0];

let stock: tf.KernelConfig | undefined;

/** Installs the kernel on the wasm backend (idempotent); call after the backend is ready. */
export function installWasmBatchMatMul(): void {
  if (stock) return;
  const original = tf.getKernel("BatchMatMul", "wasm");
  if (!original) throw new Error("installWasmBatchMatMul: the wasm backend is not registered");
  stock = original;
  tf.unregisterKernel("BatchMatMul", "wasm");
  tf.registerKernel({
    kernelName: "BatchMatMul",
    backendName: "wasm",
    kernelFunc: batchMatMul as KernelFunc,
  });
}

/** Restores the stock kernel. */
export function uninstallWasmBatchMatMul(): void {
  if (!stock) return;
  tf.unregisterKernel("BatchMatMul", "wasm");
  tf.registerKernel({ kernelName: "BatchMatMul", backendName: "wasm", kernelFunc: stock.kernelFunc });
  stock = undefined;
}

function batchMatMul(args: KernelArgs): tf.TensorInfo {
  const { inputs, backend, attrs } = args;
  const { transposeA, transposeB } = attrs as unknown as { transposeA: boolean; transposeB: boolean };
  const blas = nativeBlas();
  if (blas) return nativeBatchMatMul(blas, args, transposeA, transposeB);
  if (!transposeA && !transposeB) return stock!.kernelFunc(args) as tf.TensorInfo;
  const transpose = tf.getKernel("Transpose", "wasm")!.kernelFunc;
  const swapLast = (t: tf.TensorInfo): tf.TensorInfo => {
    const perm = [...t.shape.keys()];
    [perm[perm.length - 2], perm[perm.length - 1]] = [perm[perm.length - 1], perm[perm.length - 2]];
    return transpose({ inputs: { x: t }, backend, attrs: { perm } }) as tf.TensorInfo;
  };
  const a = transposeA ? swapLast(inputs.a as tf.TensorInfo) : inputs.a as tf.TensorInfo;
  const b = transposeB ? swapLast(inputs.b as tf.TensorInfo) : inputs.b as tf.TensorInfo;
  const out = stock!.kernelFunc({
    inputs: { a, b },
    backend,
    attrs: { ...attrs, transposeA: false, transposeB: false },
  }) as tf.TensorInfo;
  const disposer = backend as unknown as { disposeData(id: unknown): void };
  if (transposeA) disposer.disposeData(a.dataId);
  if (transposeB) disposer.disposeData(b.dataId);
  return out;
}

/** The parts of tfjs-backend-wasm's backend the native path uses. */
interface HeapBackend {
  makeOutput(shape: number[], dtype: "float32"): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array;
}

/** op(a)·op(b) per batch entry on a native BLAS, reading and writing the wasm heap in place. */
function nativeBatchMatMul(
  blas: NativeBlas,
  args: KernelArgs,
  transA: boolean,
  transB: boolean,
): tf.TensorInfo {
  const a = args.inputs.a as tf.TensorInfo, b = args.inputs.b as tf.TensorInfo;
  if (a.dtype !== "float32" || b.dtype !== "float32") {
    throw new TypeError(`BatchMatMul: float32 operands expected, found ${a.dtype} and ${b.dtype}`);
  }
  const ra = a.shape.length, rb = b.shape.length;
  const m = transA ? a.shape[ra - 1] : a.shape[ra - 2], k = transA ? a.shape[ra - 2] : a.shape[ra - 1];
  const kb = transB ? b.shape[rb - 1] : b.shape[rb - 2], n = transB ? b.shape[rb - 2] : b.shape[rb - 1];
  if (k !== kb) {
    throw new RangeError(
      `matMul: inner sizes ${k} and ${kb} differ (shapes [${a.shape}] and [${b.shape}], ` +
        `transposeA=${transA}, transposeB=${transB})`,
    );
  }
  const batchA = size(a.shape.slice(0, -2)), batchB = size(b.shape.slice(0, -2));
  const outer = tf.backend_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  const batch = size(outer);
  if ((batchA !== batch && batchA !== 1) || (batchB !== batch && batchB !== 1)) {
    throw new RangeError(
      `matMul: batch shapes [${a.shape.slice(0, -2)}] and [${b.shape.slice(0, -2)}] do not broadcast`,
    );
  }
  const be = args.backend as unknown as HeapBackend;
  const out = be.makeOutput([...outer, m, n], "float32");
  // Views after the output's allocation: a heap growth detaches views made before it.
  const av = be.typedArrayFromHeap(a), bv = be.typedArrayFromHeap(b), ov = be.typedArrayFromHeap(out);
  const lda = transA ? m : k, ldb = transB ? k : n;
  for (let i = 0; i < batch; i++) {
    const aAt = batchA === 1 ? 0 : i * m * k, bAt = batchB === 1 ? 0 : i * k * n;
    blas.sgemm(
      transA,
      transB,
      m,
      n,
      k,
      av.subarray(aAt),
      lda,
      bv.subarray(bAt),
      ldb,
      0,
      ov.subarray(i * m * n),
      n,
    );
  }
  return out;
}

function size(shape: number[]): number {
  return shape.reduce((p, d) => p * d, 1);
}
