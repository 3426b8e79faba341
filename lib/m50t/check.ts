/**
 * `checkDataset(dir)`: what an M50T data folder holds, per experiment and cell — files, rows, RPTs, curves,
 * missing pieces, the header spelling (2023 / 2024) — and whether everything required is there. Required:
 * a readable Performance Summary for every cell of each experiment folder present. Ageing-set summaries and
 * curves are reported when missing but do not fail the check (the real record ships them separately).
 */
import { join } from "node:path";
import { BatteryMLError } from "../errors.ts";
import { type CellTable, checkCellMagnitudes, DataIssues } from "./plausibility.ts";
import { loadCurve } from "./curve_loader.ts";
import { EXPERIMENTS, M50T_LIMITS, type M50tCell, m50tCellKey, type M50tExperiment } from "./experiments.ts";
import type { Spelling } from "./headers.ts";
import { discoverCurves, discoverSummaries, isFile, perCyclePath, perSetPath } from "./paths.ts";
import { loadPerformanceSummary } from "./summary_loader.ts";

/** Report of one cell. */
export interface CellCheck {
  cellKey: string;
  chamberC: number;
  summaryFile?: string;
  rows: number;
  expectedRows: number;
  rpts: number[];
  curves: number;
  spelling?: Spelling;
  hasPerSet: boolean;
  hasPerCycle: boolean;
  /** Required pieces missing or unreadable, and implausible values (fail the check). */
  problems: string[];
  /** The loaded Performance Summary, for the cross-cell magnitude check. */
  table?: CellTable;
  /** Optional pieces missing (reported only). */
  missing: string[];
}

/** Report of one experiment folder. */
export interface ExperimentCheck {
  label: string;
  folder: string;
  cells: CellCheck[];
  rows: number;
  curves: number;
  problems: string[];
}

/** Report of a data folder; `ok` is false when something required is missing. */
export interface DatasetCheck {
  root: string;
  ok: boolean;
  experiments: ExperimentCheck[];
  problems: string[];
}

async function isDir(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isDirectory;
  } catch {
    return false;
  }
}

/** Runs `load` with findings collected (not thrown); every finding and a final error become problems. */
async function collecting<T>(
  problems: string[],
  load: (issues: DataIssues) => Promise<T>,
): Promise<T | undefined> {
  const issues = new DataIssues(false);
  try {
    return await load(issues);
  } catch (err) {
    if (!(err instanceof BatteryMLError)) throw err;
    problems.push(err.message);
    return undefined;
  } finally {
    problems.splice(problems.length, 0, ...issues.warnings());
  }
}

async function checkCell(
  root: string,
  e: M50tExperiment,
  cell: M50tCell,
  summaryPath?: string,
): Promise<CellCheck> {
  const c: CellCheck = {
    cellKey: m50tCellKey(e.label, cell.cell),
    chamberC: cell.chamberC,
    rows: 0,
    expectedRows: cell.summaryRows,
    rpts: [],
    curves: 0,
    hasPerSet: await isFile(perSetPath(root, e, cell.cell)),
    hasPerCycle: await isFile(perCyclePath(root, e, cell.cell)),
    problems: [],
    missing: [],
  };
  if (!c.hasPerSet) c.missing.push("Summary per Set");
  if (!c.hasPerCycle) c.missing.push("Summary per Cycle");
  const curves = await discoverCurves(root, e, cell.cell, "0.1C");
  c.curves = curves.length;
  if (summaryPath === undefined) {
    c.problems.push(
      `no Performance Summary file (Expt ${e.label} - cell ${cell.cell} (${cell.chamberC}degC) - Processed Data.csv)`,
    );
  } else {
    c.summaryFile = summaryPath;
    const src = { file: summaryPath, experiment: e.label, cell: cell.cell, chamberC: cell.chamberC };
    const s = await collecting(
      c.problems,
      (issues) => loadPerformanceSummary(src, { issues, limits: M50T_LIMITS }),
    );
    if (s) {
      c.rows = s.table.length;
      c.rpts = Array.from(s.table.columns.rpt as Float64Array);
      c.spelling = s.spelling;
      c.table = { cellKey: c.cellKey, columns: s.table.columns, source: s.source };
    }
  }
  for (const f of curves) {
    await collecting(
      c.problems,
      (issues) =>
        loadCurve({ file: f.path, cellKey: c.cellKey, rpt: f.rpt, kind: "0.1C" }, {
          issues,
          limits: M50T_LIMITS,
        }),
    );
  }
  const withCurve = new Set(curves.map((f) => f.rpt));
  const noCurve = c.rpts.filter((r) => !withCurve.has(r));
  if (noCurve.length) c.missing.push(`0.1C curves for RPT ${noCurve.join(", ")}`);
  return c;
}

async function checkExperiment(root: string, e: M50tExperiment): Promise<ExperimentCheck> {
  const found = await discoverSummaries(root, e);
  const problems: string[] = [];
  for (const f of found) {
    const known = e.cells.find((c) => c.cell === f.cell);
    if (!known) problems.push(`summary for a cell not in the study: ${f.path}`);
    else if (known.chamberC !== f.chamberC) {
      problems.push(`${f.path}: file name says ${f.chamberC} °C, the study says ${known.chamberC} °C`);
    }
  }
  const cells: CellCheck[] = [];
  for (const cell of e.cells) {
    const file = found.find((f) => f.cell === cell.cell && f.chamberC === cell.chamberC);
    cells.push(await checkCell(root, e, cell, file?.path));
  }
  const magnitudes = new DataIssues(false);
  checkCellMagnitudes(cells.flatMap((c) => (c.table ? [c.table] : [])), magnitudes);
  problems.push(...magnitudes.warnings());
  return {
    label: e.label,
    folder: e.folder,
    cells,
    rows: cells.reduce((n, c) => n + c.rows, 0),
    curves: cells.reduce((n, c) => n + c.curves, 0),
    problems,
  };
}

/** Checks every experiment folder present under `dir` (or only `experiments`). */
export async function checkDataset(
  dir: string,
  opts: { experiments?: readonly string[] } = {},
): Promise<DatasetCheck> {
  const wanted = EXPERIMENTS.filter((e) => !opts.experiments || opts.experiments.includes(e.label));
  const experiments: ExperimentCheck[] = [];
  for (const e of wanted) {
    if (opts.experiments || await isDir(join(dir, e.folder))) experiments.push(await checkExperiment(dir, e));
  }
  const problems = experiments.length ? [] : [`no M50T experiment folder under ${dir}`];
  const ok = problems.length === 0 &&
    experiments.every((e) => e.problems.length === 0 && e.cells.every((c) => c.problems.length === 0));
  return { root: dir, ok, experiments, problems };
}

/** The check report as plain text, one line per cell. */
export function formatCheckReport(r: DatasetCheck): string {
  const lines = [
    `M50T data check: ${r.root} — ${r.ok ? "OK" : "PROBLEMS"}`,
    ...r.problems.map((p) => `  ! ${p}`),
  ];
  for (const e of r.experiments) {
    lines.push(
      `Expt ${e.label} (${e.folder}): ${e.cells.length} cells, ${e.rows} RPT rows, ${e.curves} 0.1C curves`,
    );
    for (const p of e.problems) lines.push(`  ! ${p}`);
    for (const c of e.cells) {
      const rpts = c.rpts.length ? `RPT ${c.rpts[0]}–${c.rpts[c.rpts.length - 1]}` : "no RPTs";
      lines.push(
        `  ${c.cellKey.padEnd(6)} ${
          String(c.chamberC).padStart(2)
        } °C  rows ${c.rows}/${c.expectedRows}  ${rpts}  ` +
          `curves ${c.curves}  headers ${c.spelling ?? "-"}`,
      );
      for (const p of c.problems) lines.push(`    ! ${p}`);
      if (c.missing.length) lines.push(`    missing: ${c.missing.join("; ")}`);
    }
  }
  return lines.join("\n");
}
