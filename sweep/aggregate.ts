/**
 * The end of a sweep launch: compares what finished (`runs compare`, its files in the sweep folder) and
 * closes the sweep's tracker records with it — the MLflow parent run gets the table and the figure and
 * ends FINISHED, or FAILED when a point did not finish. The local executor runs it once its workers are
 * done; on Slurm it is the aggregation job (`afterany` of the array jobs).
 */
import type { Logger, SweepOutcome } from "../core/plugin.ts";
import { verdict } from "../lib/sweep/mod.ts";
import { type CompareRequest, compareSweep, formatComparison, type SweepComparison } from "./compare.ts";
import { sweepStatus } from "./status.ts";
import { endSweepTrackers, pointSweepParams } from "./trackers.ts";

/** What the aggregation found: the comparison, or why there is none. */
export interface SweepAggregate {
  outcome: SweepOutcome;
  comparison?: SweepComparison;
}

/** Compares the sweep's finished points and ends its trackers' records. */
export async function aggregateSweep(req: CompareRequest & { log: Logger }): Promise<SweepAggregate> {
  const status = await sweepStatus(req.outputDir, req.sweepId);
  const allFinished = status.counts.FINISHED === status.points.length;
  const outcome: SweepOutcome = { status: allFinished ? "FINISHED" : "FAILED", counts: { ...status.counts } };
  let comparison: SweepComparison | undefined;
  try {
    comparison = await compareSweep(req);
  } catch (err) {
    outcome.error = (err as Error).message;
  }
  if (comparison) {
    const record = status.record;
    const pointOf = (v: { config: string; seed: number | null; fold: string | null }) =>
      status.points.find((p) =>
        p.status === "FINISHED" && p.config === v.config && p.seed === v.seed && p.fold === v.fold
      )!;
    outcome.comparison = {
      target: comparison.target,
      metric: comparison.metric,
      lowerIsBetter: comparison.lowerIsBetter,
      configs: comparison.configs.map((r, i) => ({
        config: r.config,
        label: r.label,
        rank: r.rank,
        n: r.summary.folds,
        mean: r.summary.mean,
        std: r.summary.std,
        ci95: r.summary.ci95,
        verdict: verdict(r, i === 0),
      })),
      values: comparison.configs.flatMap((r) =>
        r.values.map((v) => {
          const p = pointOf(v);
          return {
            point: p.index,
            runId: p.runId!,
            config: v.config,
            params: pointSweepParams(record, record.points[p.index]),
            value: v.value,
          };
        })
      ),
      table: formatComparison(comparison),
      files: comparison.files,
    };
  }
  await endSweepTrackers(status.record, outcome, req.log);
  return { outcome, ...(comparison ? { comparison } : {}) };
}
