/** Signal numerics for incremental capacity analysis: grids, resampling, Savitzky–Golay, peaks, areas. */
export * from "./area.ts";
export * from "./grid.ts";
export * from "./ica.ts";
export * from "./ica_stream.ts";
export * from "./ica_pool.ts";
export * from "./interp.ts";
export * from "./peaks.ts";
export * from "./savgol.ts";
export * from "./peak_tracking.ts";
