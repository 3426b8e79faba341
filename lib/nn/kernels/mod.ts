/** Fused and replacement kernels for the wasm backend: whole-LSTM op, transposing BatchMatMul. */
export { lstmSequence } from "./lstm_sequence.ts";
export { installWasmBatchMatMul, uninstallWasmBatchMatMul } from "./batch_matmul_wasm.ts";
