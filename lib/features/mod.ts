/**
 * Feature numerics shared by pipelines and models: per-column standardisation fitted on training data,
 * per-RPT summary features (Arrhenius terms, causal carry-forward) and health indicators for estimation.
 */
export * from "./standardizer.ts";
export * from "./summary_features.ts";
export * from "./health_indicators.ts";
