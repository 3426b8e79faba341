/**
 * SHAP summary (beeswarm): one row per feature, ordered by mean |SHAP| (most important on top), one dot
 * per explained sample at its SHAP value, stacked vertically where dots would overlap, coloured by the
 * feature's value from low (blue) to high (red) so the direction of an effect can be read off. Features
 * beyond the shared cut-off are summed per sample into a last grey row ("Sum of N other features").
 */
import { featureValueColor, HIGH_COLOR, LOW_COLOR, MISSING_COLOR } from "./_colors.ts";
import { Plot, type RenderedFigure, renderFigure } from "./render.ts";
import { otherFeaturesLabel, SHAP_MAX_DISPLAY, splitAtCutoff } from "./_shap_display.ts";

/** Colour of the summed row: it has no single feature value to colour by. */
const SUM_ROW_COLOR = "#777777";

/** Inputs of {@link shapBeeswarm}: n·F tables, row-major. */
export interface BeeswarmInput {
  featureNames: readonly string[];
  /** SHAP values (n·F). */
  shap: ArrayLike<number>;
  /** Feature values of the same rows (n·F; NaN = missing). */
  features: ArrayLike<number>;
  n: number;
}

/** Options: the x label (say what is explained, with its unit), how many features, a title. */
export interface BeeswarmOptions {
  xLabel: string;
  maxDisplay?: number;
  title?: string;
}

/** One dot of the swarm. */
export interface SwarmDot {
  feature: string;
  row: number;
  shap: number;
  y: number;
  color: string;
}

/** Feature indices by decreasing mean |SHAP|. */
export function orderByMeanAbs(shap: ArrayLike<number>, n: number, f: number): number[] {
  const mean = Array.from({ length: f }, (_, j) => {
    let s = 0;
    for (let i = 0; i < n; i++) s += Math.abs(shap[i * f + j]);
    return s / Math.max(1, n);
  });
  return mean.map((_, j) => j).sort((a, b) => mean[b] - mean[a] || a - b);
}

/** Rank of v among the sorted finite values, in [0, 1] (robust to outliers, unlike min–max). */
function rankScaler(values: number[]): (v: number) => number {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  return (v) => {
    if (!Number.isFinite(v) || sorted.length < 2) return Number.isFinite(v) ? 0.5 : NaN;
    let lo = 0, hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid] < v) lo = mid + 1;
      else hi = mid;
    }
    return lo / (sorted.length - 1);
  };
}

/** Vertical offsets in [−0.4, 0.4] so dots in the same x bin stack outwards from the row's centre. */
function swarmOffsets(xs: number[], binWidth: number): number[] {
  const counts = new Map<number, number>();
  const step = 0.4 / Math.max(4, Math.ceil(Math.sqrt(xs.length)));
  return xs.map((x) => {
    const bin = Math.round(x / binWidth);
    const k = counts.get(bin) ?? 0;
    counts.set(bin, k + 1);
    const level = Math.ceil(k / 2) * (k % 2 === 1 ? 1 : -1);
    return Math.max(-0.4, Math.min(0.4, level * step));
  });
}

/**
 * Dots of the swarm: one row per shown feature (row r drawn at y = r), and a last row of per-sample sums
 * when more features than `maxDisplay` exist. `labels` names the rows top to bottom.
 */
export function swarmDots(
  input: BeeswarmInput,
  maxDisplay: number,
): { dots: SwarmDot[]; order: number[]; labels: string[] } {
  const F = input.featureNames.length, n = input.n;
  if (input.shap.length !== n * F || input.features.length !== n * F) {
    throw new RangeError(`beeswarm: tables must hold n·F = ${n}·${F} values`);
  }
  const { shown: order, rest } = splitAtCutoff(orderByMeanAbs(input.shap, n, F), maxDisplay);
  const column = (j: number) => Array.from({ length: n }, (_, i) => input.shap[i * F + j]);
  const rows = order.map((j) => {
    const fv = Array.from({ length: n }, (_, i) => input.features[i * F + j]);
    const scale = rankScaler(fv);
    return {
      label: input.featureNames[j],
      xs: column(j),
      colors: fv.map((v) => featureValueColor(scale(v))),
    };
  });
  if (rest.length > 0) {
    const xs = Array.from({ length: n }, (_, i) => rest.reduce((a, j) => a + input.shap[i * F + j], 0));
    rows.push({ label: otherFeaturesLabel(rest.length), xs, colors: xs.map(() => SUM_ROW_COLOR) });
  }
  const range = Math.max(...rows.flatMap((r) => r.xs.map(Math.abs))) || 1;
  const dots: SwarmDot[] = [];
  rows.forEach((row, r) => {
    const offsets = swarmOffsets(row.xs, range / 80);
    row.xs.forEach((x, i) =>
      dots.push({ feature: row.label, row: i, shap: x, y: r + offsets[i], color: row.colors[i] })
    );
  });
  return { dots, order, labels: rows.map((r) => r.label) };
}

/** The beeswarm figure as SVG and PNG. */
export function shapBeeswarm(input: BeeswarmInput, opts: BeeswarmOptions): RenderedFigure {
  const { dots, labels: names } = swarmDots(input, opts.maxDisplay ?? SHAP_MAX_DISPLAY);
  const longest = Math.max(...names.map((s) => s.length));
  return renderFigure({
    width: 760,
    height: 70 + 34 * names.length,
    marginLeft: 16 + 7 * longest,
    marginBottom: 44,
    x: { label: opts.xLabel, grid: true },
    y: {
      domain: [names.length - 0.5, -0.5],
      ticks: names.map((_, r) => r),
      tickFormat: (r: number) => names[r] ?? "",
      label: null,
    },
    marks: [
      Plot.ruleX([0], { stroke: "#888" }),
      Plot.dot(dots, { x: "shap", y: "y", fill: "color", r: 3, fillOpacity: 0.85 }),
    ],
  }, {
    title: opts.title,
    legendTitle: "feature value",
    legend: [
      { label: "low", color: LOW_COLOR },
      { label: "high", color: HIGH_COLOR },
      { label: "missing", color: MISSING_COLOR },
    ],
  });
}
