/**
 * The run report: per target, metrics overall (pooled over every prediction), per cell, per chamber
 * temperature and per fold; with several folds (LOCO), mean, std and 95 % t-interval over folds too.
 */
import {
  type FoldSummary,
  groupedMetrics,
  type Headline,
  headlineFor,
  mapeFloor,
  type Metrics,
  regressionMetrics,
  summariseFolds,
} from "../lib/metrics.ts";

/** One scored prediction (a row of predictions.csv). */
export interface PredictionRow {
  fold: string;
  cellKey: string;
  chamberC: number;
  rpt: number;
  t: number;
  target: string;
  yTrue: number;
  yPred: number;
}

/** Metrics summarised across folds. */
export type AcrossFolds = Record<"rmse" | "mae" | "mape" | "r2" | "max_error", FoldSummary>;

/** Everything reported for one target. */
export interface TargetReport {
  /** The metrics this target is judged by (MAE/RMSE for targets that start at zero). */
  headline: Headline;
  /** |y| below which points are left out of MAPE (1 % of the largest |y| of the target); counted in mape_excluded. */
  mapeFloor: number;
  overall: Metrics;
  perCell: Record<string, Metrics>;
  perTemperature: Record<string, Metrics>;
  perFold: Record<string, Metrics>;
  acrossFolds?: AcrossFolds;
}

/** Builds the report of every target found in `rows`. */
export function buildReport(rows: readonly PredictionRow[]): Record<string, TargetReport> {
  const byTarget = new Map<string, PredictionRow[]>();
  for (const r of rows) {
    let list = byTarget.get(r.target);
    if (!list) byTarget.set(r.target, list = []);
    list.push(r);
  }
  const out: Record<string, TargetReport> = {};
  for (const [target, list] of byTarget) out[target] = targetReport(target, list);
  return out;
}

/** A run's headline: the first headline metric of its first target, over every prediction. */
export interface RunHeadline {
  target: string;
  metric: "rmse" | "mae" | "mape";
  value: number;
}

/** The headline of a report (undefined when it holds no target). */
export function runHeadline(report: Record<string, TargetReport>): RunHeadline | undefined {
  const [target, r] = Object.entries(report)[0] ?? [];
  if (!target || !r) return undefined;
  const metric = r.headline.metrics[0];
  return { target, metric, value: r.overall[metric] };
}

function targetReport(target: string, rows: readonly PredictionRow[]): TargetReport {
  const yTrue = rows.map((r) => r.yTrue), yPred = rows.map((r) => r.yPred);
  // One MAPE floor for the whole target, so a cell or fold is never judged by its own scale.
  const floor = mapeFloor(yTrue);
  const perFold = groupedMetrics(yTrue, yPred, rows.map((r) => r.fold), floor);
  const overall = regressionMetrics(yTrue, yPred, floor);
  const report: TargetReport = {
    headline: headlineFor(target, overall),
    mapeFloor: floor,
    overall,
    perCell: groupedMetrics(yTrue, yPred, rows.map((r) => r.cellKey), floor),
    perTemperature: groupedMetrics(yTrue, yPred, rows.map((r) => `${r.chamberC}degC`), floor),
    perFold,
  };
  const folds = Object.values(perFold);
  if (folds.length > 1) {
    const across = (k: keyof Metrics) => summariseFolds(folds.map((m) => m[k]));
    report.acrossFolds = {
      rmse: across("rmse"),
      mae: across("mae"),
      mape: across("mape"),
      r2: across("r2"),
      max_error: across("max_error"),
    };
  }
  return report;
}

/** predictions.csv text: fold, cellKey, rpt, t, target, y_true, y_pred (full float precision). */
export function predictionsCsv(rows: readonly PredictionRow[]): string {
  const quote = (s: string) => (/[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);
  const lines = ["fold,cellKey,chamberC,rpt,t,target,y_true,y_pred"];
  for (const r of rows) {
    lines.push(
      [quote(r.fold), quote(r.cellKey), r.chamberC, r.rpt, r.t, quote(r.target), r.yTrue, r.yPred].join(","),
    );
  }
  return lines.join("\n") + "\n";
}
