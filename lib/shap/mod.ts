/**
 * SHAP explanations: exact path-dependent TreeSHAP for tree ensembles (with an adapter for lib/gbdt),
 * model-agnostic exact Shapley / KernelSHAP over a background set, and mean-|SHAP| importance.
 */
export * from "./tree_model.ts";
export { treeShap, type TreeShapResult, treeShapRow } from "./tree_shap.ts";
export { conditionalExpectation } from "./tree_expectation.ts";
export { MAX_EXACT_FEATURES, popcount, shapleyFromValueTable, shapleyWeights } from "./exact_shapley.ts";
export { type BatchPredict, coalitionValues } from "./coalition_values.ts";
export { allCoalitions, kernelShapFit, kernelWeight, sampledCoalitions } from "./kernel_shap.ts";
export { type AgnosticExplanation, type AgnosticOptions, explainModelAgnostic } from "./model_agnostic.ts";
export { meanAbsShap, type RankedFeature, rankFeatures } from "./importance.ts";
export { ensembleFromBooster, shapTreeFromGbdt } from "./from_gbdt.ts";
