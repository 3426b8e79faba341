/** `batteryml predict`: score cells with a finished run's fitted pipeline and model. */
import { buildCommand } from "@stricli/core";
import {
  createLogger,
  predictGrants,
  predictionsCsv,
  predictWithRun,
  terminalProgress,
  writeFileAtomic,
} from "../mod.ts";
import {
  type CommonFlags,
  commonFlags,
  type Ctx,
  guarded,
  jsonFlag,
  outputDirFlag,
  writeJson,
} from "./common.ts";

/** `batteryml predict`. */
export const predictCommand = buildCommand({
  docs: { brief: "Score cells with a finished run's fitted pipeline and model (writes CSV)" },
  parameters: {
    flags: {
      ...commonFlags,
      run: {
        kind: "parsed",
        parse: String,
        brief: "Run id (folder name under artifacts/runs)",
        placeholder: "id",
      },
      cells: {
        kind: "parsed",
        parse: String,
        brief: "Comma-separated cellKeys (default: every cell)",
        optional: true,
      },
      fold: {
        kind: "parsed",
        parse: String,
        brief: "Which fold's model (default: the first)",
        optional: true,
      },
      out: { kind: "parsed", parse: String, brief: "Write the CSV here instead of stdout", optional: true },
      outputDir: outputDirFlag,
      allowChangedData: {
        kind: "boolean",
        brief: "Predict even when input files changed since the run (a warning lists them)",
        optional: true,
      },
      json: jsonFlag,
    },
    positional: {
      kind: "array",
      parameter: {
        brief: "Data overrides: data=name, data.root=…, data.experiment=…",
        parse: String,
        placeholder: "override",
      },
    },
  },
  func: async function (
    this: Ctx,
    f: CommonFlags & {
      run: string;
      cells?: string;
      fold?: string;
      out?: string;
      outputDir: string;
      allowChangedData?: boolean;
      json?: boolean;
    },
    ...overrides: string[]
  ) {
    await guarded(this, f, async () => {
      const rows = await predictWithRun({
        runId: f.run,
        overrides,
        cells: f.cells?.split(",").map((c) => c.trim()).filter(Boolean),
        fold: f.fold,
        outputDir: f.outputDir,
        allowChangedData: f.allowChangedData,
        log: createLogger({ quiet: f.quiet, debug: f.debug }),
        progress: terminalProgress({ quiet: f.quiet }),
      });
      const csv = predictionsCsv(rows);
      if (f.out) await writeFileAtomic(f.out, csv);
      if (f.json) {
        writeJson(this, { runId: f.run, out: f.out ?? null, count: rows.length, predictions: rows });
      } else if (f.out) this.process.stdout.write(`wrote ${rows.length} predictions to ${f.out}\n`);
      else this.process.stdout.write(csv);
    }, () => predictGrants({ runId: f.run, overrides, outputDir: f.outputDir, out: f.out }));
  },
});
