/**
 * Neural networks built on tfjs for the sequence and tabular models: the nets (MLP, LSTM → attention),
 * their layers, seeded weight initialisers, and the fused wasm kernels (whole-LSTM op, multi-head
 * attention op, XNNPACK products, transposing BatchMatMul). Training them is lib/train's job; what a
 * sequence model reads is lib/sequence's.
 */
export * from "./init.ts";
export * from "./kernels/attention.ts";
export * from "./kernels/batch_matmul_wasm.ts";
export * from "./kernels/gemm.ts";
export * from "./kernels/lstm_cell_wasm.ts";
export * from "./kernels/lstm_sequence.ts";
export * from "./layers/dense.ts";
export * from "./lstm_attention_net.ts";
export * from "./mlp_net.ts";
