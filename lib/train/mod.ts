/**
 * The training engine for tfjs networks: the generic training loop (seeded shuffles, optimisers with
 * state we own, learning-rate schedules, gradient clipping, early stopping), checkpoints that resume exactly,
 * Ctrl-C handling, the folder lock, backend selection, named parameter stores and their weights as values (for plugin states),
 * and `network_fit`, the glue the neural model plugins share (losses from lib/loss, target directions from
 * lib/sequence). It never imports lib/nn: networks depend on the engine, not back.
 */
export * from "./backend.ts";
export { halfPrecisionMatmuls, mixedPrecisionSupport } from "./_precision.ts";
export * from "./folder_lock.ts";
export * from "./network_fit.ts";
export * from "./optimizer.ts";
export * from "./param_store.ts";
export * from "./readback.ts";
export * from "./trainer.ts";
export * from "./weights_io.ts";
