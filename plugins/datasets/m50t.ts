/**
 * The `m50t` dataset plugin: the LG M50T ageing study (Kirkaldy et al. 2024) from a folder laid out like
 * the Zenodo archives — real data under `root`, or the synthetic physical dataset generated from a seed
 * into the cache folder (`synthetic: { seed, curves }`). Tables are canonical per-RPT columns; curves are
 * the 0.1C / 0.5C discharges in canonical units.
 */
import { join } from "node:path";
import { z } from "zod";
import type { CellInfo, ColumnTable, Curve, CurveQuery, DatasetInstance, PluginContext } from "../../mod.ts";
import { DataError, defineDataset } from "../../mod.ts";
import {
  type CellTable,
  checkCellMagnitudes,
  concatTables,
  DataIssues,
  discoverCurves,
  discoverSummaries,
  experimentByLabel,
  FileFingerprints,
  isFile,
  loadAgeingSummary,
  loadCurve,
  loadPerformanceSummary,
  M50T_LIMITS,
  m50tCellKey,
  type M50tExperiment,
  perCyclePath,
  perSetPath,
  synthesize,
  type TableSource,
} from "../../lib/m50t/mod.ts";
import { m50tCommands } from "./m50t_commands.ts";

// A YAML override `data.experiment=1` arrives as the number 1: accept numbers and compare as text.
const label = z.preprocess(
  (v) => (typeof v === "number" ? String(v) : v),
  z.enum(["1", "2,2", "3", "4", "5"]),
);

/** Options of the m50t dataset. */
export const m50tOptions = z.object({
  /** Data root laid out like the Zenodo archives (ignored with `synthetic`). */
  root: z.string().default("../shared/data/m50t"),
  /** Experiment label or labels. */
  experiment: z.union([label, z.array(label).min(1)]).default("1"),
  /** Generate the synthetic dataset (same layout) into the cache folder instead of reading `root`. */
  synthetic: z.object({ seed: z.number().int(), curves: z.boolean().default(false) }).optional(),
  /**
   * Physically impossible values (plausibility checks) are errors; false turns them into warnings, listed
   * in the run manifest. Structural problems (unreadable files, missing columns) stay errors.
   */
  strict: z.boolean().default(true),
}).strict();

/** Parsed options of the m50t dataset. */
export type M50tOptions = z.infer<typeof m50tOptions>;

/** Canonical table names this dataset serves. */
export const M50T_TABLES = ["performance_summary", "summary_per_set", "summary_per_cycle"] as const;

interface CellEntry {
  info: CellInfo;
  experiment: M50tExperiment;
  summaryPath: string;
}

/** Makes sure the synthetic data exist in the cache; returns their root. */
async function syntheticRoot(
  o: NonNullable<M50tOptions["synthetic"]>,
  labels: string[],
  ctx: PluginContext,
): Promise<string> {
  const root = join(
    ctx.cacheDir,
    "m50t_synthetic",
    `seed-${o.seed}${o.curves ? "-curves" : ""}-expt-${labels.join("_")}`,
  );
  const marker = join(root, ".complete");
  if (!(await isFile(marker))) {
    ctx.log.info(`m50t: generating the synthetic dataset (seed ${o.seed}) into ${root}`);
    await synthesize({ out: root, experiments: labels, seed: o.seed, curves: o.curves, log: ctx.log });
    await Deno.writeTextFile(marker, new Date(0).toISOString()); // content fixed: the folder stays reproducible
  }
  return root;
}

/** Cells of the chosen experiments that have a Performance Summary; warns about study cells without one. */
async function discoverCells(
  root: string,
  labels: string[],
  ctx: PluginContext,
): Promise<Map<string, CellEntry>> {
  const cells = new Map<string, CellEntry>();
  for (const l of labels) {
    const e = experimentByLabel(l);
    const files = await discoverSummaries(root, e);
    for (const c of e.cells) {
      const file = files.find((f) => f.cell === c.cell && f.chamberC === c.chamberC);
      const cellKey = m50tCellKey(e.label, c.cell);
      if (!file) {
        ctx.log.warn(
          `m50t: no Performance Summary for ${cellKey} (${c.chamberC} °C) under ${root}; cell left out`,
        );
        continue;
      }
      const metadata = { socRange: c.socRange, ageSets: c.ageSets, experimentTitle: e.title };
      cells.set(cellKey, {
        info: { cellKey, experiment: e.label, cell: c.cell, chamberC: c.chamberC, metadata },
        experiment: e,
        summaryPath: file.path,
      });
    }
  }
  if (cells.size === 0) {
    throw new DataError("no M50T cells found", {
      file: root,
      expected: `Performance Summary files of Expt ${labels.join(", ")}`,
      found: "none",
    });
  }
  return cells;
}

function entryOf(cells: Map<string, CellEntry>, cellKey: string): CellEntry {
  const e = cells.get(cellKey);
  if (!e) {
    throw new DataError("unknown cell", {
      expected: `one of ${[...cells.keys()].join(", ")}`,
      found: JSON.stringify(cellKey),
    });
  }
  return e;
}

class M50tDataset implements DatasetInstance {
  readonly #cells: Map<string, CellEntry>;
  readonly #root: string;
  readonly #ctx: PluginContext;
  readonly #files = new FileFingerprints();
  readonly #tables = new Map<string, Promise<ColumnTable>>();
  readonly #issues: DataIssues;
  /** Where each loaded table's columns came from (file and headers), for cross-cell messages. */
  readonly #sources = new Map<string, TableSource>();

  constructor(root: string, cells: Map<string, CellEntry>, ctx: PluginContext, strict: boolean) {
    this.#root = root;
    this.#cells = cells;
    this.#ctx = ctx;
    this.#issues = new DataIssues(strict, ctx.log);
  }

  /**
   * Loads every cell's Performance Summary (small files) so impossible values and a cell ~1000× off the
   * others (a unit error) are found before any fit, whatever cells a View later asks for.
   */
  async validate(): Promise<void> {
    const cells: CellTable[] = [];
    for (const entry of this.#cells.values()) {
      const table = await this.#cellTable("performance_summary", entry);
      cells.push({
        cellKey: entry.info.cellKey,
        columns: table.columns,
        source: this.#sources.get(entry.summaryPath)!,
      });
    }
    checkCellMagnitudes(cells, this.#issues);
  }

  /** Plausibility findings kept as warnings (`strict: false`); the runner lists them in the manifest. */
  warnings(): string[] {
    return this.#issues.warnings();
  }

  cells(): CellInfo[] {
    return [...this.#cells.values()].map((c) => c.info);
  }

  async table(name: string, cellKeys: readonly string[]): Promise<ColumnTable> {
    if (!(M50T_TABLES as readonly string[]).includes(name)) {
      throw new DataError("unknown table", {
        expected: `one of ${M50T_TABLES.join(", ")}`,
        found: JSON.stringify(name),
      });
    }
    const parts = await Promise.all(cellKeys.map((k) => this.#cellTable(name, entryOf(this.#cells, k))));
    return concatTables(parts);
  }

  #cellTable(name: string, entry: CellEntry): Promise<ColumnTable> {
    const key = `${name}\u0000${entry.info.cellKey}`;
    let t = this.#tables.get(key);
    if (!t) {
      t = this.#loadTable(name, entry);
      this.#tables.set(key, t);
    }
    return t;
  }

  async #loadTable(name: string, entry: CellEntry): Promise<ColumnTable> {
    const { experiment: e, info } = entry;
    const src = { experiment: e.label, cell: info.cell, chamberC: info.chamberC };
    const file = name === "performance_summary"
      ? entry.summaryPath
      : name === "summary_per_set"
      ? perSetPath(this.#root, e, info.cell)
      : perCyclePath(this.#root, e, info.cell);
    this.#files.add(file);
    const checks = { issues: this.#issues, limits: M50T_LIMITS, log: this.#ctx.log };
    const loaded = name === "performance_summary"
      ? await loadPerformanceSummary({ ...src, file }, checks)
      : await loadAgeingSummary(
        { ...src, file },
        name === "summary_per_set" ? "a Summary per Set CSV" : "a Summary per Cycle CSV",
        checks,
      );
    this.#sources.set(file, loaded.source);
    return loaded.table;
  }

  async curves(cellKey: string, query: CurveQuery): Promise<Curve[]> {
    const entry = entryOf(this.#cells, cellKey);
    if (query.direction !== "discharge") {
      throw new DataError("the M50T study has discharge curves only", {
        expected: "direction 'discharge'",
        found: JSON.stringify(query.direction),
      });
    }
    const files = await discoverCurves(this.#root, entry.experiment, entry.info.cell, query.kind);
    const curves: Curve[] = [];
    for (const f of files) {
      this.#files.add(f.path);
      curves.push(
        await loadCurve({ file: f.path, cellKey, rpt: f.rpt, kind: query.kind }, {
          issues: this.#issues,
          limits: M50T_LIMITS,
        }),
      );
    }
    return curves;
  }

  fingerprint(): Promise<Record<string, string>> {
    return this.#files.digests();
  }
}

const definition = defineDataset({
  kind: "dataset",
  name: "m50t",
  version: "0.1.0",
  apiVersion: 1,
  description: "LG M50T ageing study (Kirkaldy et al. 2024): real files or the synthetic physical dataset",
  options: m50tOptions,
  commands: m50tCommands,
  async create(options, ctx) {
    const labels = Array.isArray(options.experiment) ? options.experiment : [options.experiment];
    const root = options.synthetic ? await syntheticRoot(options.synthetic, labels, ctx) : options.root;
    const dataset = new M50tDataset(root, await discoverCells(root, labels, ctx), ctx, options.strict);
    await dataset.validate();
    return dataset;
  },
});

export default definition;
