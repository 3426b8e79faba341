/**
 * Shapley values by definition: φ_i = Σ_{S ⊆ M∖{i}} |S|!(M−|S|−1)!/M! · (v(S ∪ {i}) − v(S)), from a table
 * of the value function over all 2^M coalitions (bit f of the index = feature f present). Exact, and
 * cheap enough for M up to ~14; the oracle for the faster explainers and the model-agnostic explainer's
 * exact path for few features.
 */

/** Largest M accepted: 2^M table entries must stay small. */
export const MAX_EXACT_FEATURES = 20;

/** |S|!(M−|S|−1)!/M! for |S| = 0..M−1. */
export function shapleyWeights(m: number): Float64Array {
  const w = new Float64Array(m);
  // w(s) = 1 / (M · C(M−1, s)); built by a running binomial so no factorial overflows.
  let binom = 1;
  for (let s = 0; s < m; s++) {
    w[s] = 1 / (m * binom);
    binom = (binom * (m - 1 - s)) / (s + 1);
  }
  return w;
}

/** Number of set bits. */
export function popcount(v: number): number {
  let c = 0;
  for (let x = v; x !== 0; x &= x - 1) c++;
  return c;
}

/** Shapley values from a value table `v` of length 2^m. */
export function shapleyFromValueTable(v: ArrayLike<number>, m: number): Float64Array {
  if (!(m >= 1 && m <= MAX_EXACT_FEATURES)) {
    throw new RangeError(`exact Shapley needs 1 ≤ M ≤ ${MAX_EXACT_FEATURES}, found ${m}`);
  }
  if (v.length !== 2 ** m) throw new RangeError(`value table has ${v.length} entries, expected 2^${m}`);
  const w = shapleyWeights(m);
  const phi = new Float64Array(m);
  for (let mask = 0; mask < v.length; mask++) {
    const s = popcount(mask);
    for (let i = 0; i < m; i++) {
      const bit = 1 << i;
      if ((mask & bit) === 0) phi[i] += w[s] * (v[mask | bit] - v[mask]);
    }
  }
  return phi;
}
