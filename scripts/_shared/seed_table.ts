/**
 * The comparison table of milestones C and D: per target, each model's RMSE and MAE as the mean over seeds
 * with a 95 % Student-t interval (lib/metrics.ts), and the RMSE per horizon band (days since the forecast
 * origin); the deterministic baselines as one value. Every number is computed from scored rows.
 */
import { regressionMetrics } from "../../mod.ts";
import { summariseFolds } from "../../lib/metrics.ts";
import type { ScoredRow } from "./scored_rows.ts";

/** Horizon bands in days since the forecast origin: [lo, hi). */
export const HORIZON_BANDS: readonly [number, number][] = [[0, 100], [100, 250], [250, Infinity]];

/** One entry of the table: a model (several seeds) or a baseline (one "seed"). */
export interface TableEntry {
  name: string;
  /** Scored rows per seed. */
  seeds: ScoredRow[][];
}

/** Per-seed metrics of one target: overall RMSE and MAE, and RMSE per horizon band. */
export interface SeedMetrics {
  rmse: number;
  mae: number;
  bands: number[];
  n: number;
}

/** The metrics of one seed's rows of `target`, with horizons looked up per row. */
export function seedMetrics(
  rows: readonly ScoredRow[],
  target: string,
  horizonOf: (r: ScoredRow) => number,
): SeedMetrics {
  const mine = rows.filter((r) => r.target === target);
  const m = regressionMetrics(mine.map((r) => r.yTrue), mine.map((r) => r.yPred));
  const bands = HORIZON_BANDS.map(([lo, hi]) => {
    const band = mine.filter((r) => horizonOf(r) >= lo && horizonOf(r) < hi);
    return band.length ? regressionMetrics(band.map((r) => r.yTrue), band.map((r) => r.yPred)).rmse : NaN;
  });
  return { rmse: m.rmse, mae: m.mae, bands, n: mine.length };
}

const f4 = (v: number) => (Number.isFinite(v) ? v.toFixed(4) : "n/a");

/** "mean [lo, hi]" over seeds, or the single value. */
export function meanInterval(values: readonly number[]): string {
  if (values.length === 1) return f4(values[0]);
  const s = summariseFolds(values);
  return `${f4(s.mean)} [${f4(s.ci95[0])}, ${f4(s.ci95[1])}]`;
}

/** Band labels for the header. */
function bandLabel([lo, hi]: [number, number]): string {
  return hi === Infinity ? `>${lo} d` : `${lo}-${hi} d`;
}

/** The table of one target as text lines. */
export function targetTable(
  entries: readonly TableEntry[],
  target: string,
  horizonOf: (r: ScoredRow) => number,
): string[] {
  const head = [
    "model".padEnd(30),
    "RMSE mean [95% CI]".padEnd(26),
    "MAE mean [95% CI]".padEnd(26),
    ...HORIZON_BANDS.map((b) => `RMSE ${bandLabel(b)}`.padStart(14)),
    "seeds".padStart(6),
    "n".padStart(5),
  ].join(" ");
  const lines = [`   ${head}`];
  for (const e of entries) {
    const per = e.seeds.map((rows) => seedMetrics(rows, target, horizonOf));
    if (per.every((p) => p.n === 0)) continue;
    const bandMeans = HORIZON_BANDS.map((_, b) => {
      const v = per.map((p) => p.bands[b]).filter(Number.isFinite);
      return v.length ? v.reduce((a, x) => a + x, 0) / v.length : NaN;
    });
    lines.push(
      `   ${
        [
          e.name.padEnd(30),
          meanInterval(per.map((p) => p.rmse)).padEnd(26),
          meanInterval(per.map((p) => p.mae)).padEnd(26),
          ...bandMeans.map((v) => f4(v).padStart(14)),
          String(per.length).padStart(6),
          String(per[0].n).padStart(5),
        ].join(" ")
      }`,
    );
  }
  return lines;
}
