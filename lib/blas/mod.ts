/**
 * A native BLAS for the CPU products (`training.blas=openblas`): the system's OpenBLAS loaded through Deno's
 * FFI with bounds-checked single- and double-precision products, and the process-wide choice of whether the
 * kernels use it. No tfjs here, so the core can name the library's file in its permissions without loading
 * the networks.
 */
export * from "./native_blas.ts";
export * from "./in_use.ts";
