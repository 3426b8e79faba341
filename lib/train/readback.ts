/**
 * Reading tensors back to the host without synchronous reads: a synchronous read (`dataSync`) on the WebGPU
 * backend needs a 2-D canvas, which Deno has not, and stalls the device. Several tensors are read with one
 * transfer; on wasm/cpu the values are the same as reading each synchronously.
 */
import * as tf from "@tensorflow/tfjs";
/**
 * The values of several tensors with one GPU→CPU transfer: they are flattened and concatenated on the
 * backend, read once, and split on the host (on wasm/cpu the same values as reading each).
 */
export async function readAll(tensors: readonly tf.Tensor[]): Promise<Float32Array[]> {
  if (tensors.length === 0) return [];
  const flat = tf.tidy(() => tf.concat(tensors.map((t) => tf.reshape(t, [-1]))));
  let all: Float32Array;
  try {
    all = await flat.data() as Float32Array;
  } finally {
    flat.dispose();
  }
  let at = 0;
  return tensors.map((t) => {
    const part = all.slice(at, at + t.size);
    at += t.size;
    return part;
  });
}

/** The value of a scalar (or the first element of a tensor), read asynchronously; the tensor is kept. */
export async function readScalar(t: tf.Tensor): Promise<number> {
  return (await t.data())[0] as number;
}

/** Whether reading back is cheap (the host backends): then a number may be read per step. */
export function hostBackend(name: string = tf.getBackend()): boolean {
  return name === "wasm" || name === "cpu";
}
