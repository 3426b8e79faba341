/**
 * The forecast figures of milestones C and D: per-mode trajectories of the test cells, measured against each
 * model's forecast (the mean over seeds, with the range over seeds as a band), one panel per model; and
 * ACLA's attention map for one test cell (rows: the step encoded; only the observed prefix can be attended).
 */
import { join } from "node:path";
import { writeFileAtomic } from "../../mod.ts";
import {
  attentionHeatmap,
  categoricalColor,
  Plot,
  type RenderedFigure,
  renderFigure,
} from "../../lib/plot/mod.ts";
import { daysPerUnit, type FoldSamples, rowKey, type ScoredRow } from "./scored_rows.ts";

/** Writes `figure` as `<dir>/<name>.svg` and `.png`; returns the SVG path. */
export async function writeFigure(dir: string, name: string, figure: RenderedFigure): Promise<string> {
  const path = join(dir, `${name}.svg`);
  await writeFileAtomic(path, figure.svg);
  await writeFileAtomic(path.replace(/\.svg$/, ".png"), figure.png);
  return path;
}

interface Point {
  model: string;
  cellKey: string;
  days: number;
  y: number;
  lo: number;
  hi: number;
}

/** Trajectories of `target`: measured dots (filled: observed) and per model the seed mean and range. */
export function trajectoryFigure(
  target: string,
  folds: readonly FoldSamples[],
  models: Record<string, ScoredRow[][]>,
): RenderedFigure {
  const days = new Map<string, number>();
  const measured: { model: string; cellKey: string; days: number; y: number; observed: boolean }[] = [];
  for (const { fold, test, observed } of folds) {
    const T = test.steps, K = test.targetNames.length, k = test.targetNames.indexOf(target);
    if (k < 0) continue;
    for (let i = 0; i < test.n; i++) {
      const scale = daysPerUnit(test, i), cellKey = test.meta.cellKey[i];
      for (let s = 0; s < test.lengths[i]; s++) {
        const d = test.t[i * T + s] * scale;
        days.set(rowKey({ fold, cellKey, rpt: test.meta.rpt[i * T + s], target }), d);
        if (!test.yMask[(i * T + s) * K + k]) continue;
        for (const model of Object.keys(models)) {
          measured.push({
            model,
            cellKey,
            days: d,
            y: test.y[(i * T + s) * K + k],
            observed: s < observed[i],
          });
        }
      }
    }
  }
  const lines: Point[] = [];
  for (const [model, seeds] of Object.entries(models)) {
    const byKey = new Map<string, { r: ScoredRow; ys: number[] }>();
    for (const rows of seeds) {
      for (const r of rows) {
        if (r.target !== target) continue;
        const e = byKey.get(rowKey(r)) ?? { r, ys: [] };
        e.ys.push(r.yPred);
        byKey.set(rowKey(r), e);
      }
    }
    for (const [key, { r, ys }] of byKey) {
      lines.push({
        model,
        cellKey: r.cellKey,
        days: days.get(key) ?? NaN,
        y: ys.reduce((a, b) => a + b, 0) / ys.length,
        lo: Math.min(...ys),
        hi: Math.max(...ys),
      });
    }
  }
  lines.sort((a, b) => a.cellKey.localeCompare(b.cellKey) || a.days - b.days);
  const cells = [...new Set(measured.map((p) => p.cellKey))].sort();
  const colorOf = new Map(cells.map((c, i) => [c, categoricalColor(i)]));
  const stroke = (p: { cellKey: string }) => colorOf.get(p.cellKey)!;
  return renderFigure({
    width: 300 * Math.max(1, Object.keys(models).length) + 80,
    height: 380,
    marginLeft: 64,
    marginBottom: 44,
    grid: true,
    fx: { label: null },
    x: { label: "time since the first RPT (days)" },
    y: { label: `${target} (–)` },
    marks: [
      Plot.areaY(lines, {
        x: "days",
        y1: "lo",
        y2: "hi",
        z: "cellKey",
        fx: "model",
        fill: stroke,
        fillOpacity: 0.2,
      }),
      Plot.line(lines, { x: "days", y: "y", z: "cellKey", fx: "model", stroke, strokeWidth: 1.8 }),
      Plot.dot(measured, {
        x: "days",
        y: "y",
        fx: "model",
        stroke,
        fill: (p) => (p.observed ? stroke(p) : "white"),
        r: 2.5,
      }),
    ],
  }, {
    title: `${target}: measured vs forecast after the observed RPTs, test cells`,
    legendTitle: "cell",
    legend: cells.map((c) => ({ label: c, color: colorOf.get(c)! })),
    extraLegends: [{
      entries: [
        { label: "measured (filled: observed)", color: "#333" },
        { label: "forecast, mean over seeds (band: range)", color: "#333", line: { dash: "", width: 1.8 } },
      ],
    }],
  });
}

/** ACLA's prefix attention for the first test cell of `maps` (mean over heads). */
export function aclaAttentionFigure(
  maps: {
    weights: Float32Array;
    shape: [number, number, number, number];
    lengths: Int32Array;
    cellKeys: string[];
  },
  rpts: readonly number[],
): RenderedFigure {
  const [, heads, steps] = maps.shape;
  return attentionHeatmap({
    weights: maps.weights.subarray(0, heads * steps * steps),
    heads,
    steps,
    length: maps.lengths[0],
    labels: rpts,
    title: `acla prefix attention, cell ${maps.cellKeys[0]} (rows: step encoded; keys: observed RPTs)`,
  });
}
