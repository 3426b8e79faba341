/**
 * SOH trajectories: one line per cell against time or charge throughput, coloured by chamber temperature
 * (the study's main factor), so faster fade at 40 °C and the spread between cells are visible at once.
 */
import { Plot, type RenderedFigure, renderFigure, temperatureColor } from "./render.ts";

/** One measured point of one cell. */
export interface SohPoint {
  cellKey: string;
  /** Chamber temperature (°C): the colour. */
  chamberC: number;
  days: number;
  throughputAh: number;
  soh: number;
}

/** Options: the x quantity and a title. */
export interface SohOptions {
  x: "days" | "throughput";
  title?: string;
}

/** SOH against days or throughput, per cell, as SVG and PNG. */
export function sohTrajectories(points: readonly SohPoint[], opts: SohOptions): RenderedFigure {
  const usable = points.filter((p) => Number.isFinite(p.soh) && Number.isFinite(xOf(p, opts.x)));
  if (usable.length === 0) throw new RangeError("SOH trajectories: no finite points");
  const byCell = Map.groupBy(usable, (p) => p.cellKey);
  const sorted = [...byCell.values()].flatMap((ps) => ps.sort((a, b) => xOf(a, opts.x) - xOf(b, opts.x)));
  const temps = [...new Set(usable.map((p) => p.chamberC))].sort((a, b) => a - b);
  const x = (p: SohPoint) => xOf(p, opts.x);
  const stroke = (p: SohPoint) => temperatureColor(p.chamberC);
  return renderFigure({
    width: 720,
    height: 420,
    marginLeft: 64,
    marginBottom: 44,
    grid: true,
    x: { label: opts.x === "days" ? "time (days)" : "charge throughput (Ah)" },
    y: { label: "SOH (C/10 capacity / initial)" },
    marks: [
      Plot.line(sorted, { x, y: "soh", z: "cellKey", stroke, strokeWidth: 1.5 }),
      Plot.dot(sorted, { x, y: "soh", fill: stroke, r: 2.5 }),
    ],
  }, {
    title: opts.title,
    legendTitle: "chamber",
    legend: temps.map((c) => ({ label: `${c} °C`, color: temperatureColor(c) })),
  });
}

function xOf(p: SohPoint, x: SohOptions["x"]): number {
  return x === "days" ? p.days : p.throughputAh;
}
