/**
 * The figures every run makes from its scored predictions, whatever its model: a parity plot per target
 * and, where a test cell has several scored RPTs, its measured and predicted trajectories. The CLI's `run`
 * and the milestone scripts hand them to the runner, which writes them to `figures/` and sends them to every
 * tracker.
 */
import { parityPlot } from "./_parity.ts";
import type { RenderedFigure } from "./render.ts";
import { predictedTrajectories } from "./_trajectories_pred.ts";

/** One scored prediction (the fields of a predictions.csv row these figures use). */
export interface ScoredPoint {
  cellKey: string;
  chamberC: number;
  rpt: number;
  target: string;
  yTrue: number;
  yPred: number;
}

/** `parity_<target>` for every target, `trajectories_<target>` where some cell has more than one RPT. */
export function runFigures(rows: readonly ScoredPoint[]): Record<string, RenderedFigure> {
  const out: Record<string, RenderedFigure> = {};
  for (const target of new Set(rows.map((r) => r.target))) {
    const points = rows.filter((r) => r.target === target);
    out[`parity_${target}`] = parityPlot(points, {
      label: `${target} (–)`,
      title: `Parity: ${target}, test cells`,
    });
    const perCell = Map.groupBy(points, (p) => p.cellKey);
    if ([...perCell.values()].some((ps) => ps.length > 1)) {
      out[`trajectories_${target}`] = predictedTrajectories(
        points.map((p) => ({
          cellKey: p.cellKey,
          chamberC: p.chamberC,
          t: p.rpt,
          yTrue: p.yTrue,
          yPred: p.yPred,
        })),
        {
          xLabel: "RPT number (–)",
          yLabel: `${target} (–)`,
          title: `${target}: measured and predicted, test cells`,
        },
      );
    }
  }
  return out;
}
