/**
 * SHAP waterfall for one prediction: from the base value E[f] at the bottom, each feature's SHAP value as
 * a bar that moves the running total, smallest contributions low and the largest on top, ending at the
 * prediction f(x). Features beyond `maxDisplay` are summed into one bar so the total is never truncated.
 */
import { HIGH_COLOR, LOW_COLOR } from "./_colors.ts";
import { Plot, type RenderedFigure, renderFigure } from "./render.ts";
import { otherFeaturesLabel, SHAP_MAX_DISPLAY, splitAtCutoff } from "./_shap_display.ts";

/** One prediction's attribution. */
export interface WaterfallInput {
  featureNames: readonly string[];
  /** SHAP value per feature. */
  shap: ArrayLike<number>;
  /** The feature values of the explained row (shown beside the names). */
  features: ArrayLike<number>;
  /** E[f], the base value the SHAP values are relative to. */
  base: number;
}

/** Options: the axis label (what is predicted, with unit), bars shown, title. */
export interface WaterfallOptions {
  xLabel: string;
  maxDisplay?: number;
  title?: string;
}

/** One bar: from `start` to `end` of the running total. */
export interface WaterfallBar {
  label: string;
  value: number;
  start: number;
  end: number;
}

/** Bars top to bottom (largest |SHAP| first); the bottom bar starts at the base, the top one ends at f(x). */
export function waterfallBars(input: WaterfallInput, maxDisplay: number): WaterfallBar[] {
  const F = input.featureNames.length;
  const order = Array.from({ length: F }, (_, j) => j).sort((a, b) =>
    Math.abs(input.shap[b]) - Math.abs(input.shap[a]) || a - b
  );
  const { shown, rest } = splitAtCutoff(order, maxDisplay);
  const items = shown.map((j) => ({
    label: `${input.featureNames[j]} = ${formatValue(input.features[j])}`,
    value: input.shap[j],
  }));
  if (rest.length) {
    items.push({
      label: otherFeaturesLabel(rest.length),
      value: rest.reduce((a, j) => a + input.shap[j], 0),
    });
  }
  let total = input.base;
  const bars: WaterfallBar[] = [];
  for (let k = items.length - 1; k >= 0; k--) {
    bars.unshift({ ...items[k], start: total, end: total + items[k].value });
    total += items[k].value;
  }
  return bars;
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return "missing";
  return Math.abs(v) >= 1e4 || (v !== 0 && Math.abs(v) < 1e-3)
    ? v.toExponential(2)
    : String(+v.toPrecision(4));
}

function signed(v: number): string {
  return (v >= 0 ? "+" : "−") + Math.abs(v).toPrecision(3);
}

/** The waterfall figure as SVG and PNG. */
export function shapWaterfall(input: WaterfallInput, opts: WaterfallOptions): RenderedFigure {
  const bars = waterfallBars(input, opts.maxDisplay ?? SHAP_MAX_DISPLAY);
  const prediction = bars.length ? bars[0].end : input.base;
  const longest = Math.max(...bars.map((b) => b.label.length));
  const ends = bars.flatMap((b) => [b.start, b.end]);
  const lo = Math.min(...ends), hi = Math.max(...ends), pad = (hi - lo) * 0.2 || 0.01;
  return renderFigure({
    width: 760,
    height: 90 + 32 * bars.length,
    marginLeft: 16 + 7 * longest,
    marginRight: 24,
    marginTop: 48,
    marginBottom: 44,
    x: { label: opts.xLabel, grid: true, domain: [lo - pad, hi + pad] },
    y: { domain: bars.map((b) => b.label), label: null, padding: 0.25 },
    marks: [
      Plot.ruleX([input.base], { stroke: "#888", strokeDasharray: "4,3" }),
      Plot.ruleX([prediction], { stroke: "#333", strokeDasharray: "4,3" }),
      Plot.barX(bars, {
        x1: "start",
        x2: "end",
        y: "label",
        fill: (b: WaterfallBar) => b.value >= 0 ? HIGH_COLOR : LOW_COLOR,
      }),
      // Each bar's value sits beyond the end it moves to: right of rising bars, left of falling ones.
      Plot.text(bars.filter((b) => b.value >= 0), {
        x: "end",
        y: "label",
        text: (b: WaterfallBar) => signed(b.value),
        dx: 4,
        textAnchor: "start",
        fontSize: 11,
      }),
      Plot.text(bars.filter((b) => b.value < 0), {
        x: "end",
        y: "label",
        text: (b: WaterfallBar) => signed(b.value),
        dx: -4,
        textAnchor: "end",
        fontSize: 11,
      }),
      Plot.text([`f(x) = ${prediction.toPrecision(4)}`], {
        x: [prediction],
        frameAnchor: "top",
        dy: -26,
        fontSize: 11,
      }),
      Plot.text([`E[f(X)] = ${input.base.toPrecision(4)}`], {
        x: [input.base],
        frameAnchor: "top",
        dy: -10,
        fontSize: 11,
      }),
    ],
  }, { title: opts.title });
}
