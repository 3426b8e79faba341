/**
 * The one cut-off the three SHAP figures share (beeswarm, waterfall, importance bars), as shap's own plots
 * do: at most `SHAP_MAX_DISPLAY` rows, the last of them summing every feature beyond the cut, so the three
 * figures of a run name the same features and no contribution is dropped.
 */

/** Rows shown by default (shap's `max_display`). */
export const SHAP_MAX_DISPLAY = 10;

/** Ranked feature indices split into those drawn on their own and those summed into one last row. */
export function splitAtCutoff(
  ranked: readonly number[],
  maxDisplay: number,
): { shown: number[]; rest: number[] } {
  if (!Number.isInteger(maxDisplay) || maxDisplay < 1) {
    throw new RangeError(`maxDisplay must be a positive integer, got ${maxDisplay}`);
  }
  const count = ranked.length > maxDisplay ? maxDisplay - 1 : ranked.length;
  return { shown: ranked.slice(0, count), rest: ranked.slice(count) };
}

/** The label of the summed row, in shap's words. */
export function otherFeaturesLabel(count: number): string {
  return `Sum of ${count} other feature${count === 1 ? "" : "s"}`;
}
