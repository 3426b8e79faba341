/**
 * The tfjs webgpu backend on a GPUDevice we request ourselves. tfjs-webgpu 4.22 registers a factory that
 * asks the adapter for a device with only `timestamp-query` and `bgra8unorm-storage`; a WGSL module that
 * starts with `enable f16;` (our mixed-precision kernels, lib/nn/kernels/matmul_f16_webgpu.ts) then fails to
 * compile on that device even where the adapter offers `shader-f16`. So the factory is replaced by one that
 * asks for the same features and limits plus `shader-f16` when offered, and hands the device to
 * `new WebGPUBackend(device, adapterInfo)` (the constructor tfjs-webgpu exports for this). An extra enabled
 * feature changes no tfjs kernel: float32 runs on WebGPU give the same numbers as before.
 */
import * as tf from "@tensorflow/tfjs";

/** The adapter features our device asks for whenever the adapter has them. */
const WANTED_FEATURES: GPUFeatureName[] = ["timestamp-query", "bgra8unorm-storage", "shader-f16"];

/** The limits tfjs-webgpu raises to the adapter's maxima (its kernels size dispatches by them). */
const RAISED_LIMITS = [
  "maxComputeWorkgroupStorageSize",
  "maxComputeWorkgroupsPerDimension",
  "maxStorageBufferBindingSize",
  "maxBufferSize",
  "maxComputeWorkgroupSizeX",
  "maxComputeInvocationsPerWorkgroup",
];

let registered = false;

/**
 * Imports tfjs-webgpu (which registers its backend) and replaces its factory by ours, once per process.
 * Call before the first `tf.setBackend("webgpu")`: an instance tfjs already created is left as it is.
 */
export async function registerWebGpuBackend(): Promise<void> {
  const { WebGPUBackend } = await import("@tensorflow/tfjs-backend-webgpu");
  // Not tf.findBackend: for a registered factory it would start tfjs's own backend.
  if (registered || "webgpu" in tf.engine().registry) return;
  registered = true;
  tf.removeBackend("webgpu");
  tf.registerBackend("webgpu", async () => {
    const gpu = (navigator as unknown as { gpu: GPU }).gpu;
    const adapter = await gpu.requestAdapter({ powerPreference: "high-performance" });
    if (!adapter) throw new Error("navigator.gpu offers no adapter");
    const requiredFeatures = WANTED_FEATURES.filter((f) => adapter.features.has(f));
    const limits = adapter.limits as unknown as Record<string, number>;
    const requiredLimits = Object.fromEntries(RAISED_LIMITS.map((name) => [name, limits[name]]));
    const device = await adapter.requestDevice({ requiredFeatures, requiredLimits });
    return new WebGPUBackend(device, adapter.info);
  }, 3);
}

/** Whether the active webgpu backend's device can compile `enable f16;` modules (false on other backends). */
export function webGpuHasShaderF16(): boolean {
  if (tf.getBackend() !== "webgpu") return false;
  const device = (tf.backend() as unknown as { device?: GPUDevice }).device;
  return device?.features.has("shader-f16") ?? false;
}
