/**
 * A sweep's configurations compared over their repeats (seeds × folds): per configuration the mean, the
 * sample standard deviation and the 95 % Student-t interval of the metric, and a ranking that says when a
 * difference is within noise. Every configuration runs the same seeds and folds, so each is compared with
 * the best one on paired repeats: the 95 % t-interval of the per-repeat differences (same seed and fold)
 * containing 0 means the data cannot tell the two apart. Pairing removes what seeds and folds share (a
 * hard test cell is hard for every configuration), which unpaired intervals would count as noise.
 */
import { type FoldSummary, summariseFolds } from "../metrics.ts";
import type { ConfigPoint } from "./points.ts";

/** One finished point's metric. */
export interface PointValue {
  config: string;
  seed: number | null;
  fold: string | null;
  value: number;
}

/** The paired comparison of a configuration with the best one. */
export interface VersusBest {
  /** Repeats both finished. */
  pairs: number;
  /** Mean of (this − best) over the pairs, and its 95 % t-interval. */
  meanDiff: number;
  ci95: [number, number];
  /** true: the interval contains 0; null: fewer than 2 pairs, no interval. */
  withinNoise: boolean | null;
}

/** One configuration's line of the comparison. */
export interface ConfigComparison {
  config: string;
  label: string;
  rank: number;
  /** Finished repeats (n), mean, std, 95 % t-interval of the mean. */
  summary: FoldSummary;
  /** Repeats planned but not finished (failed, killed, not run). */
  missing: number;
  /** Absent for the best configuration itself and for configurations with no finished repeat. */
  versusBest?: VersusBest;
}

/** Compares configurations; `lowerIsBetter` for error metrics (RMSE, MAE, MAPE), false for R². */
export function compareConfigs(
  configs: readonly ConfigPoint[],
  values: readonly PointValue[],
  planned: (config: string) => number,
  lowerIsBetter: boolean,
): ConfigComparison[] {
  const byConfig = new Map(configs.map((c) => [c.key, values.filter((v) => v.config === c.key)]));
  const sign = lowerIsBetter ? 1 : -1;
  const rows = configs.map((c) => {
    const mine = byConfig.get(c.key)!;
    return {
      config: c.key,
      label: c.label,
      rank: 0,
      summary: summariseFolds(mine.map((v) => v.value)),
      missing: planned(c.key) - mine.length,
    } as ConfigComparison;
  });
  // Best first; configurations with nothing finished last, in their own order.
  const order = rows.map((_, i) => i).sort((a, b) => {
    const ma = rows[a].summary.mean, mb = rows[b].summary.mean;
    if (!Number.isFinite(ma) || !Number.isFinite(mb)) {
      return Number.isFinite(ma) ? -1 : Number.isFinite(mb) ? 1 : a - b;
    }
    return sign * (ma - mb) || a - b;
  });
  const ranked = order.map((i, r) => ({ ...rows[i], rank: r + 1 }));
  const best = ranked[0];
  if (!best || !Number.isFinite(best.summary.mean)) return ranked;
  const bestValues = repeatMap(byConfig.get(best.config)!);
  for (const row of ranked.slice(1)) {
    if (!Number.isFinite(row.summary.mean)) continue;
    const diffs: number[] = [];
    for (const [repeat, v] of repeatMap(byConfig.get(row.config)!)) {
      const b = bestValues.get(repeat);
      if (b !== undefined) diffs.push(v - b);
    }
    const d = summariseFolds(diffs);
    row.versusBest = {
      pairs: d.folds,
      meanDiff: d.mean,
      ci95: d.ci95,
      withinNoise: d.folds < 2 ? null : d.ci95[0] <= 0 && 0 <= d.ci95[1],
    };
  }
  return ranked;
}

/** seed|fold → value. */
function repeatMap(values: readonly PointValue[]): Map<string, number> {
  return new Map(values.map((v) => [`${v.seed}|${v.fold}`, v.value]));
}

/** Whether a smaller value of `metric` is better. */
export function lowerIsBetter(metric: string): boolean {
  return metric !== "r2";
}
