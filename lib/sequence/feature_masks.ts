/**
 * Per-feature input masks of sequence inputs. A feature that is not measured at every step (an ICA peak
 * of an RPT without a 0.1C curve, or whose transition was not found) comes with a mask column
 * `<feature>_observed`: 1 where the value was measured, 0 where it was not. Where the mask is 0 the value
 * is never read — whatever it holds (NaN, or anything else) — so nothing filled in can pass for a
 * measurement; the network sees the mask column as an input of its own.
 */

/** Suffix of a mask column: `<feature>_observed`. */
export const OBSERVED_SUFFIX = "_observed";

/** The name of `feature`'s mask column. */
export function maskColumnName(feature: string): string {
  return `${feature}${OBSERVED_SUFFIX}`;
}

/** For each feature, the index of its mask column among `featureNames`, or −1 when it has none. */
export function maskColumns(featureNames: readonly string[]): Int32Array {
  const index = new Map(featureNames.map((n, j) => [n, j]));
  return Int32Array.from(featureNames, (n) => index.get(maskColumnName(n)) ?? -1);
}

/**
 * Whether feature j of `row` (rows × F) was measured: its mask says 1 (a mask holding anything but 0 or 1
 * is a RangeError naming it), or it has no mask.
 */
export function isObserved(
  x: ArrayLike<number>,
  F: number,
  row: number,
  j: number,
  masks: Int32Array,
  featureNames: readonly string[],
): boolean {
  const m = masks[j];
  if (m < 0) return true;
  const flag = x[row * F + m];
  if (flag !== 0 && flag !== 1) {
    throw new RangeError(
      `mask column '${featureNames[m]}' holds ${flag}; expected 1 (measured) or 0 (missing)`,
    );
  }
  return flag === 1;
}
