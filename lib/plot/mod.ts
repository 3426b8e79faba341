/**
 * Figures without a browser: Observable Plot → SVG → PNG (resvg, shipped font). Parity and trajectory
 * figures every run makes (`runFigures`), SHAP figures (beeswarm, waterfall, importance bars), ICA and SOH
 * figures, attention heatmaps.
 */
export * from "./attention.ts";
export * from "./beeswarm.ts";
export * from "./ica_figure.ts";
export * from "./importance_bars.ts";
export * from "./render.ts";
export * from "./run_figures.ts";
export * from "./soh_trajectories.ts";
export * from "./sweep_compare.ts";
export * from "./waterfall.ts";
