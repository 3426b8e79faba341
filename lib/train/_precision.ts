/**
 * Mixed precision. tfjs 4.22 has no float16 dtype on any backend: wasm and cpu compute in float32 only,
 * and the webgpu backend keeps tensors in float32 too (even where the adapter offers `shader-f16`, which
 * Mesa's llvmpipe 15 does: f16 storage and matmuls would need WGSL kernels of our own for every op of the
 * networks, not done). A request for mixed precision therefore trains in float32 and says so.
 */

/** Whether `backend` can train in mixed precision, and the log line explaining the outcome. */
export function mixedPrecisionSupport(backend: string): { supported: boolean; message: string } {
  const why = backend === "wasm" || backend === "cpu"
    ? `the ${backend} backend has no float16 kernels`
    : `tfjs 4.22 has no float16 tensors on the ${backend} backend, even where the adapter offers ` +
      "shader-f16 (Mesa's llvmpipe does)";
  return { supported: false, message: `mixed precision requested, but ${why}: training in float32` };
}
