/**
 * Fused and replacement kernels for the wasm backend: whole-LSTM op, multi-head attention op, direct
 * XNNPACK products on typed arrays, transposing BatchMatMul.
 */
export { expFast, lstmSequence } from "./lstm_sequence.ts";
export {
  type AttentionOptions,
  type AttentionResult,
  multiHeadAttention,
  packedMultiHeadAttention,
} from "./attention.ts";
export { FixedRightGemm, gemm, gemmJs, transpose } from "./gemm.ts";
export { installWasmBatchMatMul, uninstallWasmBatchMatMul } from "./batch_matmul_wasm.ts";
