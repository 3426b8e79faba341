/**
 * Neural networks built on tfjs for the sequence and tabular models: the nets (MLP, LSTM → attention),
 * their layers, seeded weight initialisers, the fused wasm kernels (whole-LSTM op, multi-head attention
 * op, XNNPACK or OpenBLAS products (`training.blas`), transposing BatchMatMul) and the float16 products of mixed precision on WebGPU.
 * Training them is lib/train's job; what a sequence model reads is lib/sequence's.
 */
export * from "./cpu_blas.ts";
export * from "./init.ts";
export * from "./kernels/attention.ts";
export * from "./kernels/batch_matmul_wasm.ts";
export * from "./kernels/bidirectional_lstm.ts";
export * from "./kernels/gemm.ts";
export * from "./kernels/lstm_cell_wasm.ts";
export * from "./kernels/lstm_sequence.ts";
export * from "./kernels/matmul_f16_webgpu.ts";
export * from "./layers/dense.ts";
export * from "./lstm_attention_net.ts";
export * from "./mlp_net.ts";
// The layers other packages' networks build on (lib/ode's ACLA: prefix attention, LayerNorm, LSTM).
export * from "./layers/_attention.ts";
export * from "./layers/causal_conv.ts";
export * from "./layers/_layer_norm.ts";
export * from "./layers/_lstm.ts";
export * from "./cnn_lstm_net.ts";
