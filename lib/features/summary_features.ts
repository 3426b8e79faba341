/** Numerics of per-RPT summary features: Arrhenius terms and causal carry-forward of sparse measurements. */

/** Molar gas constant R (J mol⁻¹ K⁻¹), CODATA 2018 exact value. */
export const GAS_CONSTANT = 8.314462618;

/** exp(−Ea / (R·T)) for an activation energy in J/mol and a temperature in K. */
export function arrheniusFactor(eaJPerMol: number, temperatureK: number): number {
  return Math.exp(-eaJPerMol / (GAS_CONSTANT * temperatureK));
}

/**
 * Replaces each missing (NaN) value by the last measured one before it — never a later one, which would
 * leak the future into earlier samples. Leading missing values stay NaN.
 */
export function carryForward(values: readonly number[]): Float64Array {
  const out = new Float64Array(values.length);
  let last = NaN;
  values.forEach((v, i) => {
    if (Number.isFinite(v)) last = v;
    out[i] = last;
  });
  return out;
}
