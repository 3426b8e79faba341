/**
 * What a sequence model reads, as plain typed arrays (no tfjs, so the core may use it): the sample
 * arrays it needs, the forecasting protocol's observed prefix, anchored forecasts, per-step inputs, and
 * the direction each degradation target moves.
 */
export * from "./feature_masks.ts";
export * from "./forecast_anchor.ts";
export * from "./observe.ts";
export * from "./sequence_data.ts";
export * from "./sequence_inputs.ts";
export * from "./target_directions.ts";
