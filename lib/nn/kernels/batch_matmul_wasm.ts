/**
 * A replacement for tfjs-backend-wasm 4.22's BatchMatMul kernel. The stock kernel sends a product to
 * XNNPACK only when nothing is transposed and there is no batch axis; every backward product of a dense
 * layer is transposed and ran a scalar triple loop (a (32,64)@(64,256) product: 97 µs untransposed,
 * 658 µs with B transposed, 1,071 µs with A transposed — toolchain.md). This kernel transposes the operand
 * explicitly (the wasm Transpose kernel) and calls the stock kernel untransposed.
 */
import * as tf from "@tensorflow/tfjs";

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
