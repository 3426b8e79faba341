/**
 * A sweep's comparison as a figure: one row per configuration (best on top), each repeat (seed × fold) as
 * a small grey dot, the mean as a large dot and its 95 % t-interval as a bar, so the spread that decides
 * "within noise" is visible beside the ranking.
 */
import { Plot, type RenderedFigure, renderFigure } from "./render.ts";

/** A configuration's row. */
export interface CompareFigureRow {
  label: string;
  mean: number;
  ci95: [number, number];
  values: readonly number[];
}

/** The figure as SVG and PNG; `xLabel` says the metric and target. */
export function sweepCompareFigure(
  rows: readonly CompareFigureRow[],
  xLabel: string,
  title: string,
): RenderedFigure {
  const shown = rows.filter((r) => Number.isFinite(r.mean));
  if (shown.length === 0) {
    throw new RangeError("sweep comparison figure: no configuration has a finished point");
  }
  const labels = shown.map((r) => r.label);
  const points = shown.flatMap((r) => r.values.map((value) => ({ label: r.label, value })));
  const bars = shown.filter((r) => Number.isFinite(r.ci95[0]));
  const longest = Math.max(...labels.map((l) => l.length));
  return renderFigure({
    width: 760,
    height: 80 + 34 * shown.length,
    marginLeft: 24 + 8 * Math.min(longest, 60),
    marginRight: 30,
    marginBottom: 44,
    x: { label: xLabel, grid: true },
    y: { domain: labels, label: null, padding: 0.3 },
    marks: [
      Plot.dot(points, { x: "value", y: "label", r: 2.5, fill: "#9e9e9e" }),
      Plot.ruleY(bars, {
        x1: (r: CompareFigureRow) => r.ci95[0],
        x2: (r: CompareFigureRow) => r.ci95[1],
        y: "label",
        stroke: "#1e88e5",
        strokeWidth: 3,
      }),
      Plot.dot(shown, { x: "mean", y: "label", r: 5, fill: "#1e88e5" }),
    ],
  }, { title });
}
