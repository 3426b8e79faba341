/**
 * The m50t dataset's CLI commands, mounted as `batteryml data synth|check|fetch`: thin wrappers that parse
 * flags and call the M50T toolkit (lib/m50t).
 */
import type { PluginCommand } from "../../mod.ts";
import {
  checkDataset,
  type DatasetCheck,
  fetchExperiment,
  formatCheckReport,
  parseExperiments,
  synthesize,
} from "../../lib/m50t/mod.ts";

const synth: PluginCommand = {
  brief: "Write the synthetic LG M50T dataset (real layout and headers) from a seed",
  flags: {
    out: { kind: "string", brief: "Output data root", placeholder: "dir", access: "write" },
    experiments: { kind: "string", brief: "Experiment labels, e.g. 1,5 or 2,2", default: "1,5" },
    seed: { kind: "number", brief: "Random seed", default: "42" },
    curves: { kind: "boolean", brief: "Also write 0.1C discharge curves per RPT (large)" },
  },
  async run({ flags }, io) {
    const seed = flags.seed as number;
    if (!Number.isInteger(seed)) throw new Error(`--seed must be an integer, found ${seed}`);
    const report = await synthesize({
      out: flags.out as string,
      experiments: parseExperiments(flags.experiments as string),
      seed,
      curves: flags.curves === true,
      log: io.log,
    });
    for (const e of report.experiments) {
      io.write(`Expt ${e.label}: ${e.cells} cells, ${e.summaryRows} summary rows, ${e.curves} curves\n`);
    }
    io.write(`wrote ${report.out}\n`);
  },
};

const check: PluginCommand = {
  brief:
    "Report what a data folder holds per experiment and cell; non-zero exit when something required is missing",
  flags: {
    experiments: { kind: "string", brief: "Only these experiment labels", optional: true },
  },
  json: true,
  positional: [{ brief: "Data root laid out like the Zenodo archives", placeholder: "dir", access: "read" }],
  async run({ flags, positional: [dir] }, io) {
    const only = flags.experiments as string | undefined;
    const report = await checkDataset(dir, only ? { experiments: parseExperiments(only) } : {});
    io.write(
      io.json ? JSON.stringify(checkReportJson(report), null, 2) + "\n" : formatCheckReport(report) + "\n",
    );
    return report.ok ? 0 : 1;
  },
};

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

const fetch: PluginCommand = {
  brief: "Download an experiment's archive from Zenodo (resumable, checksum-verified) and extract it",
  flags: {
    experiment: { kind: "string", brief: "Experiment label (1, 2,2, 3, 4, 5)" },
    dest: { kind: "string", brief: "Destination data root", placeholder: "dir", access: "write" },
    baseUrl: { kind: "string", brief: "Mirror base URL (default zenodo.org)", optional: true, access: "net" },
    all: { kind: "boolean", brief: "Extract every member, not only summaries and 0.1C curves" },
  },
  net: ["zenodo.org"],
  async run({ flags }, io) {
    const [label] = parseExperiments(flags.experiment as string);
    const result = await fetchExperiment({
      experiment: label,
      dest: flags.dest as string,
      baseUrl: flags.baseUrl as string | undefined,
      include: flags.all === true ? () => true : undefined,
      progress: io.progress,
    });
    io.write(
      `${result.archive}: ${result.bytes} bytes${
        result.resumed ? " (resumed)" : ""
      }, ${result.extracted.length} files extracted\n`,
    );
  },
};

/** `data synth`, `data check`, `data fetch`. */
export const m50tCommands: Record<string, PluginCommand> = { synth, check, fetch };
