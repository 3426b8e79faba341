/**
 * Mixed precision (`training.mixed_precision`). tfjs 4.22 has no float16 dtype, so mixed precision is ours:
 * on the webgpu backend with a device that has `shader-f16`, the matrix products of the networks' dense
 * layers (lib/nn/layers/dense.ts) round their operands to float16 and sum in float32 (WGSL kernels of
 * lib/nn/kernels/matmul_f16_webgpu.ts); the variables (master weights), the optimizer and every other op stay
 * float32, and the trainer scales the loss dynamically (./_loss_scale.ts). Elsewhere (wasm, cpu, an adapter
 * without `shader-f16`) a request trains in float32 and says so.
 *
 * Which products run in float16 is a scope, like Keras's global policy: the trainer opens it around each
 * training step's forward and backward pass, and `dense` asks `halfPrecisionMatmuls()`. Validation losses and
 * predictions run outside it, in float32 from the float32 weights.
 */
import * as tf from "@tensorflow/tfjs";
import { webGpuHasShaderF16 } from "./_webgpu_device.ts";

/** Whether the active backend can train in mixed precision, and the log line explaining the outcome. */
export function mixedPrecisionSupport(
  backend: string = tf.getBackend(),
): { supported: boolean; message: string } {
  if (backend === "webgpu" && tf.getBackend() === "webgpu" && webGpuHasShaderF16()) {
    return {
      supported: true,
      message: "mixed precision: dense-layer products in float16 with float32 accumulation (WebGPU " +
        "shader-f16), float32 master weights and optimizer, dynamic loss scaling",
    };
  }
  const why = backend === "webgpu"
    ? "the WebGPU device has no shader-f16 feature (the adapter does not offer it)"
    : `the ${backend} backend has no float16 kernels (mixed precision needs WebGPU with shader-f16)`;
  return { supported: false, message: `mixed precision requested, but ${why}: training in float32` };
}

let halfScopeDepth = 0;

/** Whether dense layers should multiply in float16 now (inside `withHalfPrecisionMatmuls`). */
export function halfPrecisionMatmuls(): boolean {
  return halfScopeDepth > 0;
}

/** Runs `fn` (synchronous: a forward and backward pass) with dense-layer products in float16. */
export function withHalfPrecisionMatmuls<T>(fn: () => T): T {
  halfScopeDepth++;
  try {
    return fn();
  } finally {
    halfScopeDepth--;
  }
}
