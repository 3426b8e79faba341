/**
 * A minimal WebAssembly binary encoder for the kernels generated at run time (lib/gbdt, lib/nn).
 */
export * from "./encoder.ts";
