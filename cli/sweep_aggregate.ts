/**
 * `batteryml sweep aggregate <sweep dir>`: what a Slurm sweep's aggregation job runs once every array task
 * has ended (the local executor does the same itself): compares the finished points (the table and the
 * files of `runs compare`) and ends the sweep's tracker records (the MLflow parent run FINISHED, or FAILED
 * when a point did not finish). Prints the table; exits 1 unless every point finished and was compared.
 */
import { buildCommand } from "@stricli/core";
import {
  aggregateSweep,
  createLogger,
  formatComparison,
  readSweepRecord,
  readSweepTrackers,
  trackerGrants,
} from "../mod.ts";
import { type CommonFlags, commonFlags, type Ctx, guarded } from "./common.ts";

/** `sweep aggregate`. */
export const sweepAggregateCommand = buildCommand({
  docs: {
    brief: "Compare a sweep's finished points and end its tracker records (the Slurm aggregation job)",
  },
  parameters: {
    flags: { ...commonFlags },
    positional: {
      kind: "tuple",
      parameters: [{ brief: "The sweep folder", parse: String, placeholder: "dir" }],
    },
  },
  func: async function (this: Ctx, f: CommonFlags, dir: string) {
    await guarded(this, f, async () => {
      const record = await readSweepRecord(dir);
      const { outcome, comparison } = await aggregateSweep({
        outputDir: record.outputDir,
        sweepId: record.sweepId,
        log: createLogger({ quiet: f.quiet, debug: f.debug }),
      });
      if (comparison) this.process.stdout.write(formatComparison(comparison));
      else this.process.stderr.write(`error: ${outcome.error}\n`);
      this.process.stdout.write(`sweep ${record.sweepId}: ${outcome.status}\n`);
      if (outcome.status !== "FINISHED" || !comparison) this.process.exitCode = 1;
      // The sweep's output folder and what its trackers write or reach (from the sweep folder's trackers.json).
    }, async () => {
      const record = await readSweepRecord(dir);
      const trackers = (await readSweepTrackers(dir)).trackers.map((t) => t.entry);
      return { read: [dir], ...trackerGrants(record.outputDir, trackers) };
    });
  },
});
