/**
 * Milestone C's two extrapolation baselines, beside the physical ones of lib/baselines, on exactly the rows
 * the runs scored: the line through the last two observed values, and the least-squares line through the
 * whole observed prefix, each extended from the last observed value (lib/sequence's forecast anchors: what
 * the forecasters themselves are anchored at).
 */
import { forecastAnchors } from "../../lib/sequence/mod.ts";
import { type FoldSamples, rowKey, type ScoredRow } from "../_shared/scored_rows.ts";

/** The extrapolation baselines by name. */
export const LINEAR_BASELINES = ["linear_last2", "linear_prefix"] as const;

/** One of LINEAR_BASELINES. */
export type LinearBaseline = (typeof LINEAR_BASELINES)[number];

/** Each baseline's rows on the rows of `scored` (a row a baseline cannot forecast is an error). */
export function linearBaselineRows(
  folds: readonly FoldSamples[],
  scored: readonly ScoredRow[],
): Record<LinearBaseline, ScoredRow[]> {
  const value = new Map<string, Record<LinearBaseline, number>>();
  for (const { fold, test, observed } of folds) {
    const a = forecastAnchors(test, observed);
    const T = test.steps, K = test.targetNames.length;
    for (let i = 0; i < test.n; i++) {
      for (let s = 0; s < test.lengths[i]; s++) {
        const tau = test.t[i * T + s] - a.tAnchor[i];
        test.targetNames.forEach((target, k) => {
          const at = i * K + k;
          const key = rowKey({ fold, cellKey: test.meta.cellKey[i], rpt: test.meta.rpt[i * T + s], target });
          value.set(key, {
            linear_last2: a.yAnchor[at] + a.rateRecent[at] * tau,
            linear_prefix: a.yAnchor[at] + a.rateOverall[at] * tau,
          });
        });
      }
    }
  }
  const out = { linear_last2: [] as ScoredRow[], linear_prefix: [] as ScoredRow[] };
  for (const r of scored) {
    const v = value.get(rowKey(r));
    for (const b of LINEAR_BASELINES) {
      if (!v || !Number.isFinite(v[b])) {
        throw new Error(
          `baseline ${b} has no forecast for fold ${r.fold}, cell ${r.cellKey}, RPT ${r.rpt}, ${r.target}`,
        );
      }
      out[b].push({ ...r, yPred: v[b] });
    }
  }
  return out;
}
