/**
 * Feature numerics shared by pipelines and models: per-column standardisation fitted on training data,
 * and per-RPT summary features (Arrhenius terms, causal carry-forward).
 */
export * from "./standardizer.ts";
export * from "./summary_features.ts";
