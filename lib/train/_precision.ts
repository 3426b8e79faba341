/**
 * Mixed precision. tfjs 4.22 has no float16 dtype on any backend: wasm and cpu compute in float32 only,
 * and the webgpu backend keeps tensors in float32 too (even where the adapter offers `shader-f16`). A
 * request for mixed precision therefore trains in float32 and says so, rather than pretending.
 */

/** Whether `backend` can train in mixed precision, and the log line explaining the outcome. */
export function mixedPrecisionSupport(backend: string): { supported: boolean; message: string } {
  const why = backend === "wasm" || backend === "cpu"
    ? `the ${backend} backend has no float16 kernels`
    : `tfjs 4.22 has no float16 tensors on the ${backend} backend`;
  return { supported: false, message: `mixed precision requested, but ${why}: training in float32` };
}
