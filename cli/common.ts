/**
 * Route maps of the `batteryml` command beyond run/config/plugins: `data synth|check|fetch`, `predict`,
 * and `tracking sync`. Each command only parses flags and calls the library function.
 */
import { buildCommand, buildRouteMap, type RouteMap } from "@stricli/core";
import { DiskCache } from "../core/cache.ts";
import { ConfigError } from "../core/errors.ts";
import { createLogger } from "../core/log.ts";
import { predictWithRun } from "../core/predict.ts";
import { predictionsCsv } from "../core/report.ts";
import { checkDataset, type DatasetCheck, formatCheckReport } from "../plugins/datasets/m50t/check.ts";
import { fetchExperiment } from "../plugins/datasets/m50t/fetch.ts";
import { synthesize } from "../plugins/datasets/m50t/synth_writer.ts";
import { EXPERIMENT_LABELS } from "../plugins/datasets/m50t/experiments.ts";
import { writeFileAtomic } from "../lib/io/atomic_write.ts";
import { terminalProgress } from "../lib/progress.ts";
import { syncSpool } from "../lib/mlflow/sync.ts";
import { migrateFileStore } from "../lib/mlflow/migrate_store.ts";
import { artifactsAncestor } from "../lib/mlflow/store_location.ts";

/** Flags every command takes. */
export interface CommonFlags {
  quiet?: boolean;
  debug?: boolean;
}

/** The context handed to command functions. */
export interface Ctx {
  readonly process: {
    stdout: { write(s: string): void };
    stderr: { write(s: string): void };
    exitCode?: number | string | null;
  };
}

/** `--quiet` and `--debug`. */
export const commonFlags = {
  quiet: { kind: "boolean", brief: "Print only results and warnings", optional: true },
  debug: { kind: "boolean", brief: "Print stack traces and debug lines", optional: true },
} as const;

/** `--json`: the command's report as JSON on stdout (camelCase keys, like `run --json`). */
export const jsonFlag = {
  kind: "boolean",
  brief: "Print the report as JSON on stdout",
  optional: true,
} as const;

/** Writes `value` as indented JSON and a newline. */
export function writeJson(ctx: Ctx, value: unknown): void {
  ctx.process.stdout.write(JSON.stringify(value, null, 2) + "\n");
}

/** Runs `body`, turning any error into one line on stderr and exit code 1. */
export async function guarded(ctx: Ctx, flags: CommonFlags, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (err) {
    const e = err as Error;
    ctx.process.stderr.write(`error: ${e.message ?? String(err)}\n`);
    if (flags.debug && e.stack) ctx.process.stderr.write(`${e.stack}\n`);
    ctx.process.exitCode = 1;
  }
}

/** Parses a comma-separated list of experiment labels ("1,5"; "2,2" is one label). */
export function parseExperiments(text: string): string[] {
  const out: string[] = [];
  const parts = text.split(",").map((p) => p.trim());
  for (let i = 0; i < parts.length; i++) {
    if (parts[i] === "2" && parts[i + 1] === "2") {
      out.push("2,2");
      i++;
    } else out.push(parts[i]);
  }
  const bad = out.filter((l) => !(EXPERIMENT_LABELS as readonly string[]).includes(l));
  if (bad.length) {
    throw new Error(`unknown experiment ${bad.join(", ")}: expected ${EXPERIMENT_LABELS.join(", ")}`);
  }
  return out;
}

const synth = buildCommand({
  docs: { brief: "Write the synthetic LG M50T dataset (real layout and headers) from a seed" },
  parameters: {
    flags: {
      ...commonFlags,
      out: { kind: "parsed", parse: String, brief: "Output data root", placeholder: "dir" },
      experiments: {
        kind: "parsed",
        parse: String,
        brief: "Experiment labels, e.g. 1,5 or 2,2",
        default: "1,5",
      },
      seed: { kind: "parsed", parse: Number, brief: "Random seed", default: "42" },
      curves: { kind: "boolean", brief: "Also write 0.1C discharge curves per RPT (large)", optional: true },
    },
  },
  func: async function (
    this: Ctx,
    f: CommonFlags & { out: string; experiments: string; seed: number; curves?: boolean },
  ) {
    await guarded(this, f, async () => {
      if (!Number.isInteger(f.seed)) throw new Error(`--seed must be an integer, found ${f.seed}`);
      const report = await synthesize({
        out: f.out,
        experiments: parseExperiments(f.experiments),
        seed: f.seed,
        curves: f.curves ?? false,
        log: createLogger({ quiet: f.quiet, debug: f.debug }),
      });
      for (const e of report.experiments) {
        this.process.stdout.write(
          `Expt ${e.label}: ${e.cells} cells, ${e.summaryRows} summary rows, ${e.curves} curves\n`,
        );
      }
      this.process.stdout.write(`wrote ${report.out}\n`);
    });
  },
});

const check = buildCommand({
  docs: {
    brief:
      "Report what a data folder holds per experiment and cell; non-zero exit when something required is missing",
  },
  parameters: {
    flags: {
      ...commonFlags,
      experiments: { kind: "parsed", parse: String, brief: "Only these experiment labels", optional: true },
      json: jsonFlag,
    },
    positional: {
      kind: "tuple",
      parameters: [{
        brief: "Data root laid out like the Zenodo archives",
        parse: String,
        placeholder: "dir",
      }],
    },
  },
  func: async function (this: Ctx, f: CommonFlags & { experiments?: string; json?: boolean }, dir: string) {
    await guarded(this, f, async () => {
      const report = await checkDataset(
        dir,
        f.experiments ? { experiments: parseExperiments(f.experiments) } : {},
      );
      if (f.json) writeJson(this, checkReportJson(report));
      else this.process.stdout.write(formatCheckReport(report) + "\n");
      if (!report.ok) this.process.exitCode = 1;
    });
  },
});

/** The check report without the loaded tables: what each experiment and cell holds, and the problems. */
function checkReportJson(report: DatasetCheck) {
  return {
    root: report.root,
    ok: report.ok,
    problems: report.problems,
    experiments: report.experiments.map((e) => ({
      label: e.label,
      folder: e.folder,
      rows: e.rows,
      curves: e.curves,
      problems: e.problems,
      cells: e.cells.map(({ table: _table, ...cell }) => cell),
    })),
  };
}

const fetchCmd = buildCommand({
  docs: {
    brief: "Download an experiment's archive from Zenodo (resumable, checksum-verified) and extract it",
  },
  parameters: {
    flags: {
      ...commonFlags,
      experiment: { kind: "parsed", parse: String, brief: "Experiment label (1, 2,2, 3, 4, 5)" },
      dest: { kind: "parsed", parse: String, brief: "Destination data root", placeholder: "dir" },
      baseUrl: {
        kind: "parsed",
        parse: String,
        brief: "Mirror base URL (default zenodo.org)",
        optional: true,
      },
      all: {
        kind: "boolean",
        brief: "Extract every member, not only summaries and 0.1C curves",
        optional: true,
      },
    },
  },
  func: async function (
    this: Ctx,
    f: CommonFlags & { experiment: string; dest: string; baseUrl?: string; all?: boolean },
  ) {
    await guarded(this, f, async () => {
      const [label] = parseExperiments(f.experiment);
      const result = await fetchExperiment({
        experiment: label,
        dest: f.dest,
        baseUrl: f.baseUrl,
        include: f.all ? () => true : undefined,
        progress: terminalProgress({ quiet: f.quiet }),
      });
      this.process.stdout.write(
        `${result.archive}: ${result.bytes} bytes${
          result.resumed ? " (resumed)" : ""
        }, ${result.extracted.length} files extracted\n`,
      );
    });
  },
});

const predict = buildCommand({
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
      outputDir: {
        kind: "parsed",
        parse: String,
        brief: "The runs' output folder (config output.dir)",
        default: "artifacts",
      },
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
    });
  },
});

const trackingSync = buildCommand({
  docs: { brief: "Replay MLflow records spooled while the tracking server was unreachable (no duplicates)" },
  parameters: {
    flags: {
      ...commonFlags,
      spoolDir: { kind: "parsed", parse: String, brief: "Spool folder", default: "artifacts/mlflow-spool" },
      trackingUri: {
        kind: "parsed",
        parse: String,
        brief: "Server URL (default: the one each run started on)",
        optional: true,
      },
      includeUnfinished: {
        kind: "boolean",
        brief: "Also send runs that never ended (crashed)",
        optional: true,
      },
    },
  },
  func: async function (
    this: Ctx,
    f: CommonFlags & { spoolDir: string; trackingUri?: string; includeUnfinished?: boolean },
  ) {
    await guarded(this, f, async () => {
      const result = await syncSpool({
        spoolDir: f.spoolDir,
        trackingUri: f.trackingUri,
        includeUnfinished: f.includeUnfinished,
      });
      for (const r of result.runs) {
        const state = r.skipped ? `skipped (${r.skipped})` : r.complete ? "complete" : "partial";
        this.process.stdout.write(
          `${r.localRunId}: ${r.sent} records sent, ${state}${
            r.failures.length ? `; ${r.failures.join("; ")}` : ""
          }\n`,
        );
      }
      if (result.runs.length === 0) this.process.stdout.write("nothing to sync\n");
      if (result.unavailable) {
        this.process.stderr.write(`error: tracking server unavailable: ${result.unavailable}\n`);
        this.process.exitCode = 1;
      }
    });
  },
});

const trackingMigrate = buildCommand({
  docs: {
    brief:
      "Move an MLflow file store out of artifacts/ (MLflow >= 3.8 cannot open runs below a folder of that name)",
  },
  parameters: {
    flags: {
      ...commonFlags,
      from: { kind: "parsed", parse: String, brief: "Store to move", default: "artifacts/mlruns" },
      to: { kind: "parsed", parse: String, brief: "New place (must not exist)", default: "mlruns" },
    },
  },
  func: async function (this: Ctx, f: CommonFlags & { from: string; to: string }) {
    await guarded(this, f, async () => {
      const ancestor = artifactsAncestor(f.to);
      if (ancestor) {
        throw new ConfigError("--to", `'${f.to}' is below '${ancestor}', which MLflow >= 3.8 cannot open`);
      }
      const r = await migrateFileStore(f.from, f.to);
      this.process.stdout.write(
        `moved ${r.from} → ${r.to}: ${r.experiments} experiments, ${r.runs} runs, ${r.rewritten} locations rewritten\n`,
      );
    });
  },
});

const cacheDirFlag = {
  kind: "parsed",
  parse: String,
  brief: "Cache folder",
  default: "artifacts/cache",
  placeholder: "dir",
} as const;

const cacheInfo = buildCommand({
  docs: { brief: "Entries and bytes in the content-addressed cache" },
  parameters: { flags: { ...commonFlags, dir: cacheDirFlag, json: jsonFlag } },
  func: async function (this: Ctx, f: CommonFlags & { dir: string; json?: boolean }) {
    await guarded(this, f, async () => {
      const { entries, bytes } = await new DiskCache(f.dir).size();
      if (f.json) writeJson(this, { dir: f.dir, entries, bytes });
      else this.process.stdout.write(`${f.dir}: ${entries} entries, ${(bytes / 1e6).toFixed(2)} MB\n`);
    });
  },
});

const cacheClear = buildCommand({
  docs: { brief: "Remove every cache entry (results are recomputed when next needed)" },
  parameters: { flags: { ...commonFlags, dir: cacheDirFlag } },
  func: async function (this: Ctx, f: CommonFlags & { dir: string }) {
    await guarded(this, f, async () => {
      const cache = new DiskCache(f.dir);
      const { entries } = await cache.size();
      await cache.clear();
      this.process.stdout.write(`removed ${entries} entries from ${f.dir}\n`);
    });
  },
});

/** Extra top-level routes of the `batteryml` command. */
// deno-lint-ignore no-explicit-any
export const extraRoutes: Record<string, RouteMap<any> | ReturnType<typeof buildCommand<any, any, any>>> = {
  data: buildRouteMap({
    routes: { synth, check, fetch: fetchCmd },
    docs: { brief: "Generate, check and download M50T data" },
  }),
  predict,
  tracking: buildRouteMap({
    routes: { sync: trackingSync, migrate: trackingMigrate },
    docs: { brief: "Experiment tracking utilities" },
  }),
  cache: buildRouteMap({
    routes: { info: cacheInfo, clear: cacheClear },
    docs: { brief: "Inspect or clear the cache" },
  }),
};
