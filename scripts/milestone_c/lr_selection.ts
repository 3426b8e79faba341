/**
 * Model selection as a sweep, as a user runs it with `batteryml sweep` + `runs compare --metric
 * validation_loss`: the points of a sweep file (configs/sweep/milestone_c_lr.yaml: learning rates × seeds)
 * run as normal runs through the sweep package — here in this process, one after another; points already
 * FINISHED are reused, so a stopped selection resumes — and the configurations are compared on the
 * inner-validation loss, i.e. on the validation cells the core holds out of the training cells, never on the
 * test cells. The choice is the configuration with the lowest mean over its seeds. Its runs (one per seed;
 * each refit on train ∪ validation and scored on the test cells) are the final runs: the sweep already ran
 * them, so nothing runs twice.
 */
import { resolve } from "node:path";
import {
  aggregateSweep,
  createLogger,
  openSweep,
  pendingPoints,
  planSweep,
  type RunOptions,
  runSweepPoint,
  startSweepTrackers,
  type SweepComparison,
  SweepError,
  sweepStatus,
} from "../../mod.ts";

/** The sweep to select from: its file and the command-line style arguments (overrides, `a=1,2` axes). */
export interface SelectionRequest {
  file: string;
  args: readonly string[];
  configDir?: string;
  progress?: RunOptions["progress"];
}

/** One of the chosen configuration's runs. */
export interface FinalRun {
  seed: number | null;
  runId: string;
  runDir: string;
  /** The overrides the run was composed with. */
  overrides: string[];
}

/** What the selection found. */
export interface Selection {
  sweepId: string;
  /** The comparison on `validation_loss`, best first (as `runs compare --json` prints it). */
  comparison: SweepComparison;
  /** The chosen configuration: its key (`c0`, …), label and the values of the keys the sweep varies. */
  chosen: { config: string; label: string; params: Record<string, string> };
  /** The chosen configuration's runs, one per seed, in seed order. */
  finalRuns: FinalRun[];
  /** Points run by this call (the others had FINISHED before). */
  ran: number;
}

/** The metric model selection compares: the inner-validation loss (never a test metric). */
export const SELECTION_METRIC = "validation_loss";

/** Runs the sweep's unfinished points, compares them on the inner validation cells and picks the best. */
export async function selectByValidation(req: SelectionRequest): Promise<Selection> {
  const plan = await planSweep({ file: req.file, args: req.args, configDir: req.configDir });
  const record = await openSweep(plan);
  const log = createLogger({ quiet: true });
  // As a launch does: the sweep's tracker records first (an MLflow parent run), which the points join.
  await startSweepTrackers(record, plan.tracking, log);
  const pending = await pendingPoints(record);
  for (const index of pending) {
    try {
      await runSweepPoint({ dir: plan.dir, index, log, progress: req.progress });
    } catch (err) {
      const p = record.points[index];
      throw new SweepError(
        `sweep ${record.sweepId}, point ${index} (${
          record.configs.find((c) => c.key === p.config)?.label
        }, seed ${p.seed}) failed: ${(err as Error).message}`,
      );
    }
  }
  // The comparison on the selection metric, which also closes the sweep's tracker records with it.
  const { comparison, outcome } = await aggregateSweep({
    outputDir: record.outputDir,
    sweepId: record.sweepId,
    metric: SELECTION_METRIC,
    log,
  });
  if (!comparison) throw new SweepError(`sweep ${record.sweepId}: nothing to compare: ${outcome.error}`);
  // A choice over fewer seeds than planned would compare unequal things: every point must have finished.
  const incomplete = comparison.configs.find((c) => c.missing > 0);
  if (incomplete) {
    throw new SweepError(
      `sweep ${record.sweepId}: ${incomplete.missing} point(s) of '${incomplete.label}' did not finish; ` +
        `see \`batteryml sweep status ${record.sweepId}\``,
    );
  }
  const best = comparison.configs[0];
  const status = await sweepStatus(record.outputDir, record.sweepId);
  const finalRuns = status.points
    .filter((p) => p.config === best.config)
    .map((p) => ({
      seed: p.seed,
      runId: p.runId!,
      runDir: resolve(record.outputDir, "runs", p.runId!),
      overrides: record.points[p.index].overrides,
    }))
    .sort((a, b) => (a.seed ?? 0) - (b.seed ?? 0));
  return {
    sweepId: record.sweepId,
    comparison,
    chosen: {
      config: best.config,
      label: best.label,
      params: record.configs.find((c) => c.key === best.config)!.params,
    },
    finalRuns,
    ran: pending.length,
  };
}

/** The selection as text lines: per configuration the mean validation loss over seeds, its 95 % interval, the pick. */
export function selectionLines(s: Selection): string[] {
  const f = (v: number) => (Number.isFinite(v) ? v.toPrecision(4) : "n/a");
  return s.comparison.configs.map((c) => {
    const note = c.rank === 1
      ? "← chosen"
      : c.versusBest?.withinNoise === true
      ? "(within noise of the best)"
      : c.versusBest?.withinNoise === false
      ? "(worse than the best beyond noise)"
      : "";
    return `${c.label.padEnd(32)} validation loss ${f(c.summary.mean)} [${f(c.summary.ci95[0])}, ${
      f(c.summary.ci95[1])
    }] over ${c.summary.folds} seeds ${note}`.trimEnd();
  });
}
