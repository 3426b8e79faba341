/**
 * Which native BLAS the process's products run on: set once per run by `training.blas`
 * (lib/nn/cpu_blas.ts), read by every kernel that has a native path (lib/nn/kernels, lib/ode's field).
 * Process-wide because tfjs kernels and the ODE field have no per-call context to carry it.
 */
import type { NativeBlas } from "./native_blas.ts";

let current: NativeBlas | null = null;

/** Routes the products to `blas`, or back to the built-in kernels with null; returns the previous one. */
export function useNativeBlas(blas: NativeBlas | null): NativeBlas | null {
  const was = current;
  current = blas;
  return was;
}

/** The native BLAS in use, or null (XNNPACK on wasm, plain JS elsewhere). */
export function nativeBlas(): NativeBlas | null {
  return current;
}
