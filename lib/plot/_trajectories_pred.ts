/**
 * Measured against predicted trajectories per cell (e.g. SOH over days): measured points as dots, the
 * prediction as a dashed line, one colour per cell (named with its chamber temperature in the legend); a
 * grey rule marks where the observed prefix of a forecast ends, when given.
 */
import { categoricalColor, Plot, type RenderedFigure, renderFigure } from "./render.ts";

/** One step of one cell. */
export interface TrajectoryPoint {
  cellKey: string;
  chamberC: number;
  /** x position (days, or scaled time). */
  t: number;
  yTrue: number;
  yPred: number;
}

/** Axis labels, title and the forecast's observed horizon per cell (x of the last observed step). */
export interface TrajectoryOptions {
  xLabel: string;
  yLabel: string;
  title?: string;
  observedUntil?: Readonly<Record<string, number>>;
}

/** The figure as SVG and PNG. */
export function predictedTrajectories(
  points: readonly TrajectoryPoint[],
  opts: TrajectoryOptions,
): RenderedFigure {
  const usable = points.filter((p) => Number.isFinite(p.t) && Number.isFinite(p.yPred));
  if (usable.length === 0) throw new RangeError("trajectory plot: no finite points");
  const sorted = [...usable].sort((a, b) => a.cellKey.localeCompare(b.cellKey) || a.t - b.t);
  const cells = [...new Map(sorted.map((p) => [p.cellKey, p.chamberC])).entries()]
    .sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0]));
  const colorOf = new Map(cells.map(([cell], i) => [cell, categoricalColor(i)]));
  const stroke = (p: TrajectoryPoint) => colorOf.get(p.cellKey)!;
  const horizons = Object.values(opts.observedUntil ?? {});
  return renderFigure({
    width: 720,
    height: 420,
    marginLeft: 64,
    marginBottom: 44,
    grid: true,
    x: { label: opts.xLabel },
    y: { label: opts.yLabel },
    marks: [
      ...(horizons.length
        ? [Plot.ruleX([Math.max(...horizons)], { stroke: "#999", strokeDasharray: "2,3" })]
        : []),
      Plot.line(sorted, {
        x: "t",
        y: "yPred",
        z: "cellKey",
        stroke,
        strokeDasharray: "5,3",
        strokeWidth: 1.5,
      }),
      Plot.dot(sorted.filter((p) => Number.isFinite(p.yTrue)), { x: "t", y: "yTrue", fill: stroke, r: 2.5 }),
    ],
  }, {
    title: opts.title,
    legendTitle: "cell",
    legend: cells.map(([cell, c]) => ({ label: `${cell} (${c} °C)`, color: colorOf.get(cell)! })),
    extraLegends: [{
      title: "line",
      entries: [
        { label: "predicted", color: "#333", line: { dash: "5,3", width: 1.5 } },
        { label: "measured", color: "#333" },
      ],
    }],
  });
}
