/** Parity plot: predicted against measured values, coloured by chamber temperature, with the y = x line. */
import { Plot, type RenderedFigure, renderFigure, temperatureColor } from "./render.ts";

/** One predicted point. */
export interface ParityPoint {
  yTrue: number;
  yPred: number;
  /** Chamber temperature (°C), the colour. */
  chamberC: number;
  cellKey: string;
}

/** Options: axis label (with unit) and title. */
export interface ParityOptions {
  label: string;
  title?: string;
}

/** The parity figure as SVG and PNG. */
export function parityPlot(points: readonly ParityPoint[], opts: ParityOptions): RenderedFigure {
  if (points.length === 0) throw new RangeError("parity plot: no points");
  const all = points.flatMap((p) => [p.yTrue, p.yPred]);
  const lo = Math.min(...all), hi = Math.max(...all);
  const pad = (hi - lo) * 0.05 || 0.01;
  const domain = [lo - pad, hi + pad];
  const temps = [...new Set(points.map((p) => p.chamberC))].sort((a, b) => a - b);
  return renderFigure({
    width: 560,
    height: 480,
    marginLeft: 64,
    marginBottom: 48,
    grid: true,
    x: { domain, label: `measured ${opts.label}` },
    y: { domain, label: `predicted ${opts.label}` },
    marks: [
      Plot.line([[domain[0], domain[0]], [domain[1], domain[1]]], { stroke: "#888", strokeDasharray: "4,3" }),
      Plot.dot(points, {
        x: "yTrue",
        y: "yPred",
        stroke: (p: ParityPoint) => temperatureColor(p.chamberC),
        r: 3.5,
      }),
    ],
  }, {
    title: opts.title,
    legendTitle: "chamber",
    legend: temps.map((c) => ({ label: `${c} °C`, color: temperatureColor(c) })),
  });
}
