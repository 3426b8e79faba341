/**
 * Colour ramps computed here (not through Plot's scales) so a colour can be chosen per point and the same
 * ramp drawn in the SVG legend the figure frame adds: a blue→red ramp for low→high feature values (the
 * convention of SHAP summary plots) and a viridis-like ramp for ordered series such as RPTs.
 */

/** Low end of the feature-value ramp. */
export const LOW_COLOR = "#1e88e5";
/** High end of the feature-value ramp. */
export const HIGH_COLOR = "#ff0d57";
/** Colour of a missing feature value. */
export const MISSING_COLOR = "#9e9e9e";

const VIRIDIS = ["#440154", "#3b528b", "#21918c", "#5ec962", "#b5a400"];

function parseHex(hex: string): [number, number, number] {
  const v = parseInt(hex.slice(1), 16);
  return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
}

function toHex(rgb: readonly number[]): string {
  return "#" + rgb.map((c) => Math.round(c).toString(16).padStart(2, "0")).join("");
}

/** Linear RGB interpolation between two hex colours at t ∈ [0, 1] (clamped). */
export function mixColors(a: string, b: string, t: number): string {
  const u = Math.min(1, Math.max(0, t));
  const ca = parseHex(a), cb = parseHex(b);
  return toHex(ca.map((c, i) => c + (cb[i] - c) * u));
}

/** Feature-value colour: t = 0 low (blue) … 1 high (red); NaN = missing (grey). */
export function featureValueColor(t: number): string {
  return Number.isNaN(t) ? MISSING_COLOR : mixColors(LOW_COLOR, HIGH_COLOR, t);
}

/** The i-th of n colours along a viridis-like ramp (dark first). */
export function sequentialColor(i: number, n: number): string {
  const t = n <= 1 ? 0 : i / (n - 1);
  const pos = t * (VIRIDIS.length - 1);
  const k = Math.min(VIRIDIS.length - 2, Math.floor(pos));
  return mixColors(VIRIDIS[k], VIRIDIS[k + 1], pos - k);
}
