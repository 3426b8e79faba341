/**
 * The LG M50T toolkit (Kirkaldy et al. 2024): study metadata (experiments, cells, limits), the Zenodo folder
 * layout (paths), source-header aliases (headers), a text CSV reader (text_csv), summary and curve loaders with physical plausibility
 * checks, `data check` (check), the synthetic physical dataset (synth_writer) and the resumable,
 * checksum-verified download (fetch). Core-free: it raises lib/errors.ts's DataError, which the core
 * re-exports, and serves lib/dataset_shapes.ts's tables and curves. The `m50t` dataset plugin is a thin
 * adapter over it.
 */
export * from "./experiments.ts";
export * from "./paths.ts";
export * from "./headers.ts";
export * from "./plausibility.ts";
export * from "./summary_loader.ts";
export * from "./curve_loader.ts";
export * from "./fingerprints.ts";
export * from "./text_csv.ts";
export * from "./check.ts";
export * from "./synth_writer.ts";
export * from "./fetch.ts";
