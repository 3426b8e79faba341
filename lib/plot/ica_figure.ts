/**
 * ICA figure: the measured Q–V curve over its |dQ/dV| on the same voltage axis, one colour per curve
 * (e.g. per RPT), each detected peak marked with its rank and its width drawn at half prominence — the
 * width and area features the `ica_peaks` pipeline reports, so a reader can see what the numbers mean.
 */
import { type IcaCurve, type IcaFeatures, peakProminences, peakWidths } from "../signal/mod.ts";
import { sequentialColor } from "./_colors.ts";
import { Plot, type RenderedFigure, renderPanels } from "./render.ts";

/** One curve to draw: the raw samples, its ICA curve and features. */
export interface IcaPlotCurve {
  label: string;
  voltage_V: ArrayLike<number>;
  charge_Ah: ArrayLike<number>;
  ica: IcaCurve;
  features: IcaFeatures;
}

/** Options of {@link icaFigure}. */
export interface IcaFigureOptions {
  title?: string;
  /** Legend title (default "curve"). */
  legendTitle?: string;
  width?: number;
}

/** A detected peak in plot coordinates, with the half-prominence width segment. */
export interface PeakMark {
  label: string;
  rank: number;
  voltage: number;
  height: number;
  widthHeight: number;
  leftV: number;
  rightV: number;
}

/** Peak marks of one curve: the crossings are recomputed with the same rules as the features. */
export function peakMarks(curve: IcaPlotCurve): PeakMark[] {
  const { voltage, dqdv, step } = curve.ica;
  return curve.features.peaks.map((p, m) => {
    const index = Math.round((p.voltage - voltage[0]) / step);
    const prom = peakProminences(dqdv, [index]);
    const w = peakWidths(dqdv, [index], 0.5, prom);
    return {
      label: curve.label,
      rank: m + 1,
      voltage: p.voltage,
      height: p.height,
      widthHeight: w.widthHeights[0],
      leftV: voltage[0] + w.leftIps[0] * step,
      rightV: voltage[0] + w.rightIps[0] * step,
    };
  });
}

/** Q–V and |dQ/dV| panels of one or more curves, as SVG and PNG. */
export function icaFigure(curves: readonly IcaPlotCurve[], opts: IcaFigureOptions = {}): RenderedFigure {
  if (curves.length === 0) throw new RangeError("ICA figure: no curves");
  const color = (i: number) => sequentialColor(i, curves.length);
  const vMin = Math.min(...curves.map((c) => c.ica.voltage[0]));
  const vMax = Math.max(...curves.map((c) => c.ica.voltage[c.ica.voltage.length - 1]));
  const width = opts.width ?? 720;
  const x = { domain: [vMin, vMax], label: "voltage (V)" };
  const qv = curves.map((c, i) =>
    Plot.line(inWindow(c, vMin, vMax), { x: "v", y: "q", stroke: color(i), strokeWidth: 1.5 })
  );
  const marks = curves.flatMap((c, i) => peakMarks(c).map((m) => ({ ...m, color: color(i) })));
  const dqdv = curves.map((c, i) =>
    Plot.line(Array.from(c.ica.voltage, (v, k) => ({ v, d: c.ica.dqdv[k] })), {
      x: "v",
      y: "d",
      stroke: color(i),
      strokeWidth: 1.5,
    })
  );
  return renderPanels([
    {
      width,
      height: 260,
      marginLeft: 64,
      marginBottom: 40,
      grid: true,
      x,
      y: { label: "charge (Ah)" },
      marks: qv,
    },
    {
      width,
      height: 320,
      marginLeft: 64,
      marginBottom: 44,
      grid: true,
      x,
      y: { label: "|dQ/dV| (Ah/V)" },
      marks: [
        ...dqdv,
        Plot.link(marks, {
          x1: "leftV",
          x2: "rightV",
          y1: "widthHeight",
          y2: "widthHeight",
          stroke: "color",
          strokeWidth: 2,
        }),
        Plot.dot(marks, { x: "voltage", y: "height", stroke: "color", fill: "white", r: 4, strokeWidth: 2 }),
        Plot.text(marks, {
          x: "voltage",
          y: "height",
          text: (m: PeakMark) => `P${m.rank}`,
          dy: -10,
          fontSize: 11,
        }),
      ],
    },
  ], {
    title: opts.title,
    legendTitle: opts.legendTitle ?? "curve",
    legend: curves.map((c, i) => ({ label: c.label, color: color(i) })),
  });
}

/** Most raw samples drawn per curve: more adds SVG size, not visible detail. */
const MAX_POINTS = 1500;

/** Raw samples inside the plotted voltage range (the ends of a discharge lie outside the ICA window). */
function inWindow(c: IcaPlotCurve, lo: number, hi: number): { v: number; q: number }[] {
  const out: { v: number; q: number }[] = [];
  const stride = Math.max(1, Math.ceil(c.voltage_V.length / MAX_POINTS));
  for (let k = 0; k < c.voltage_V.length; k += stride) {
    const v = c.voltage_V[k];
    if (v >= lo && v <= hi) out.push({ v, q: c.charge_Ah[k] });
  }
  return out;
}
