/**
 * `batteryml runs compare <sweep id>`: the sweep's configurations over seeds × folds — mean ± std, 95 %
 * t-interval, a ranking that says when a difference is within noise — as a table, `--json` or `--csv`,
 * and a figure in the sweep folder.
 */
import { join } from "node:path";
import { buildCommand } from "@stricli/core";
import { compareSweep, formatComparison } from "../mod.ts";
import {
  type CommonFlags,
  commonFlags,
  type Ctx,
  guarded,
  jsonFlag,
  outputDirFlag,
  writeJson,
} from "./common.ts";

/** `runs compare`. */
export const runsCompareCommand = buildCommand({
  docs: {
    brief: "Compare a sweep's configurations over seeds × folds: mean ± std, 95 % CI, ranking, figure",
  },
  parameters: {
    flags: {
      ...commonFlags,
      json: jsonFlag,
      csv: { kind: "boolean", brief: "Print the table as CSV on stdout", optional: true },
      target: {
        kind: "parsed",
        parse: String,
        brief: "Target to compare (default: the runs' first target)",
        optional: true,
        placeholder: "name",
      },
      metric: {
        kind: "enum",
        values: ["rmse", "mae", "mape", "r2", "max_error", "validation_loss"],
        brief: "Metric to compare (default: the target's headline metric; validation_loss: inner validation)",
        optional: true,
      },
      outputDir: outputDirFlag,
    },
    positional: {
      kind: "tuple",
      parameters: [{ brief: "Sweep id", parse: String, placeholder: "sweep-id" }],
    },
  },
  func: async function (
    this: Ctx,
    f: CommonFlags & {
      json?: boolean;
      csv?: boolean;
      target?: string;
      metric?: "rmse" | "mae" | "mape" | "r2" | "max_error" | "validation_loss";
      outputDir: string;
    },
    sweepId: string,
  ) {
    await guarded(this, f, async () => {
      const result = await compareSweep({
        outputDir: f.outputDir,
        sweepId,
        target: f.target,
        metric: f.metric,
      });
      if (f.json) writeJson(this, result);
      else if (f.csv) this.process.stdout.write(await Deno.readTextFile(result.files.csv));
      else this.process.stdout.write(formatComparison(result));
      // The comparison and its figure are written into the sweep's folder.
    }, () => ({ read: [f.outputDir], write: [join(f.outputDir, "sweeps", sweepId)] }));
  },
});
