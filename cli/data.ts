/** `batteryml data synth|check|fetch`: write the synthetic M50T dataset, check a data folder, download one. */
import { buildCommand, buildRouteMap } from "@stricli/core";
import { createLogger, terminalProgress } from "../mod.ts";
// The M50T toolkit is still dataset-plugin internals (issue 11 item 4 moves it to lib/m50t/).
import { checkDataset, type DatasetCheck, formatCheckReport } from "../plugins/datasets/m50t/check.ts";
import { fetchExperiment } from "../plugins/datasets/m50t/fetch.ts";
import { synthesize } from "../plugins/datasets/m50t/synth_writer.ts";
import { EXPERIMENT_LABELS } from "../plugins/datasets/m50t/experiments.ts";
import { type CommonFlags, commonFlags, type Ctx, guarded, jsonFlag, writeJson } from "./common.ts";

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

/** The `data` route map. */
export const dataRoutes = buildRouteMap({
  routes: { synth, check, fetch: fetchCmd },
  docs: { brief: "Generate, check and download M50T data" },
});
