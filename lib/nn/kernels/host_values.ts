/**
 * How the fused host ops (lstm_sequence.ts, attention.ts, bidirectional_lstm.ts) read a tensor's values. Host
 * only: `dataSync` is a synchronous read, which WebGPU offers only through a canvas (those ops take their
 * plain-tfjs path there, and tests/lib/train/no_sync_reads_test.ts lists who may import this file).
 */
import * as tf from "@tensorflow/tfjs";
import { nativeBlas } from "../../blas/mod.ts";

/**
 * A tensor's values for a fused op to read. With a native BLAS on the wasm backend: a view of the tensor's
 * own heap memory, no copy (`dataSync` copies into a fresh buffer: 15 % of a W3 step on OpenBLAS). Such a
 * view is valid until the next tfjs allocation (a heap growth detaches it), so it is taken just before use
 * and never kept; the native path allocates nothing on the tfjs heap in between. Otherwise `dataSync`
 * (XNNPACK's products allocate on that heap).
 */
export function tensorValues(t: tf.Tensor): Float32Array {
  if (staleViews() && t.dtype === "float32") {
    return (tf.backend() as unknown as HeapViews).typedArrayFromHeap(t as unknown as tf.TensorInfo);
  }
  return t.dataSync() as Float32Array;
}

interface HeapViews {
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array;
}

/**
 * Whether `tensorValues` gives heap views that a tfjs allocation can detach: a fused op whose backward
 * reads its inputs must then save them (customGrad's `save`) and read them again there.
 */
export function staleViews(): boolean {
  return nativeBlas() !== null && tf.getBackend() === "wasm" &&
    typeof (tf.backend() as unknown as Partial<HeapViews>).typedArrayFromHeap === "function";
}
