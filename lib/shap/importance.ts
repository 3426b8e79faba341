/** Global importance from local attributions: mean |SHAP| per feature, and features ranked by it. */

/** Mean |φ| of each feature over n rows (values row-major n·F). */
export function meanAbsShap(values: ArrayLike<number>, n: number, numFeatures: number): Float64Array {
  if (values.length !== n * numFeatures) {
    throw new RangeError(`${values.length} SHAP values for ${n} rows of ${numFeatures} features`);
  }
  const out = new Float64Array(numFeatures);
  for (let i = 0; i < n; i++) {
    for (let f = 0; f < numFeatures; f++) out[f] += Math.abs(values[i * numFeatures + f]);
  }
  return out.map((s) => (n > 0 ? s / n : NaN));
}

/** A feature and its importance. */
export interface RankedFeature {
  name: string;
  index: number;
  importance: number;
}

/** Features by decreasing importance (ties: original order). */
export function rankFeatures(names: readonly string[], importance: ArrayLike<number>): RankedFeature[] {
  if (names.length !== importance.length) {
    throw new RangeError(`${names.length} names for ${importance.length} importances`);
  }
  return names
    .map((name, index) => ({ name, index, importance: importance[index] }))
    .sort((a, b) => b.importance - a.importance || a.index - b.index);
}
