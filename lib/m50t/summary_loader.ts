/**
 * Loads M50T summary files into canonical columns: the Performance Summary (one row per RPT, RPT k = the
 * row whose `Ageing Sets` is k) and the Ageing Sets summaries (per set, per cycle). Adds the identity
 * columns (cellKey, experiment, cell, chamber_temperature_K from the chamber set-point), sets `days` = 0 at
 * RPT0 and recomputes SOH from the C/10 capacity.
 */
import type { ColumnTable, Logger } from "../dataset_shapes.ts";
import { DataError } from "../errors.ts";
import {
  requireColumn,
  type ResolvedColumn,
  resolveHeaders,
  type Spelling,
  SUMMARY_ALIASES,
} from "./headers.ts";
import {
  type CellLimits,
  checkColumnBands,
  checkSummaryTable,
  DataIssues,
  type TableSource,
} from "./plausibility.ts";
import { M50T_LIMITS } from "./experiments.ts";
import {
  looksNumeric,
  parseDateColumn,
  parseNumberColumn,
  readTextTable,
  type TextTable,
} from "./text_csv.ts";

/** Which cell a summary file belongs to. */
export interface SummarySource {
  file: string;
  experiment: string;
  cell: string;
  /** Chamber set-point (°C) from the file name / study metadata. */
  chamberC: number;
}

/** A loaded summary: canonical table, the header spelling used and the raw headers. */
export interface LoadedSummary {
  table: ColumnTable;
  /** The file and the source header of each canonical column (for messages). */
  source: TableSource;
  spelling: Spelling;
  headers: string[];
}

/** How a loader checks plausibility: where findings go and the cell's limits (default: strict, M50T). */
export interface LoadChecks {
  issues?: DataIssues;
  limits?: CellLimits;
  log?: Logger;
}

/** Where canonical columns came from: `soh` is recomputed from the C/10 capacity column. */
function tableSource(file: string, resolved: readonly ResolvedColumn[]): TableSource {
  const header = new Map(resolved.map((r) => [r.canonical, r.header]));
  return {
    file,
    headerOf: (canonical) =>
      canonical === "soh"
        ? `SOH (recomputed from ${header.get("capacity_c10_Ah") ?? "C/10 Capacity"})`
        : header.get(canonical) ?? canonical,
  };
}

/** Largest |recomputed SOH − file SoH| tolerated silently; larger differences are logged. */
export const SOH_TOLERANCE = 1e-4;

type Column = Float64Array | (string | null)[];

/** Canonical columns of a text table, numbers converted by the header unit. */
function canonicalColumns(text: TextTable, resolved: readonly ResolvedColumn[]): Map<string, Column> {
  const out = new Map<string, Column>();
  resolved.forEach((r, j) => {
    const cells = text.columns[j];
    const where = { file: text.file, column: r.header };
    if (r.quantity === "date") out.set(r.canonical, parseDateColumn(cells, where));
    else if (r.quantity !== undefined) {
      out.set(r.canonical, parseNumberColumn(cells, where, r));
    } else if (looksNumeric(cells)) out.set(r.canonical, parseNumberColumn(cells, where));
    else out.set(r.canonical, [...cells]);
  });
  return out;
}

/** The spelling of the file, judged by its C/10 capacity header (the SOH basis), else by its first unit. */
function spellingOf(resolved: readonly ResolvedColumn[]): Spelling {
  const c10 = resolved.find((r) => r.canonical === "capacity_c10_Ah");
  if (c10) return c10.spelling;
  return resolved.find((r) => r.spelling !== "none")?.spelling ?? "none";
}

/** RPT indices must be integers from 0, strictly increasing (no duplicates, no reordering). */
function checkRpts(rpt: Float64Array, file: string, header: string): void {
  for (let i = 0; i < rpt.length; i++) {
    const where = { file, column: header, row: i + 2 };
    if (!Number.isInteger(rpt[i]) || rpt[i] < 0) {
      throw new DataError("bad RPT index", { ...where, expected: "an integer ≥ 0", found: String(rpt[i]) });
    }
    if (i === 0 && rpt[0] !== 0) {
      throw new DataError("first row is not RPT0", {
        ...where,
        expected: "0 (the beginning-of-life RPT)",
        found: String(rpt[0]),
      });
    }
    if (i > 0 && rpt[i] === rpt[i - 1]) {
      throw new DataError("duplicate RPT", {
        ...where,
        expected: `an RPT after ${rpt[i - 1]}`,
        found: `RPT${rpt[i]} again`,
      });
    }
    if (i > 0 && rpt[i] < rpt[i - 1]) {
      throw new DataError("RPTs out of order", {
        ...where,
        expected: `an RPT after ${rpt[i - 1]}`,
        found: `RPT${rpt[i]}`,
      });
    }
  }
}

/** The identity columns every canonical table starts with. */
function identityColumns(src: SummarySource, rows: number): Map<string, Column> {
  return new Map<string, Column>([
    ["cellKey", new Array(rows).fill(`${src.experiment}/${src.cell}`)],
    ["experiment", new Array(rows).fill(src.experiment)],
    ["cell", new Array(rows).fill(src.cell)],
    ["chamber_temperature_K", new Float64Array(rows).fill(src.chamberC + 273.15)],
  ]);
}

/** SOH = C/10 capacity / RPT0 C/10 capacity; warns when it disagrees with the file's own SoH. */
function stateOfHealth(
  cap: Float64Array,
  reported: Float64Array | undefined,
  file: string,
  log?: Logger,
): Float64Array {
  if (!(cap[0] > 0)) {
    throw new DataError("RPT0 has no C/10 capacity", {
      file,
      row: 2,
      column: "C/10 Capacity",
      expected: "a positive capacity",
      found: String(cap[0]),
    });
  }
  const soh = cap.map((c) => c / cap[0]);
  if (reported) {
    let worst = 0;
    let worstRow = -1;
    soh.forEach((s, i) => {
      const d = Math.abs(s - reported[i]);
      if (d > worst) [worst, worstRow] = [d, i];
    });
    if (worst > SOH_TOLERANCE) {
      log?.warn(
        `${file}: recomputed SOH differs from the file's SoH by ${worst.toExponential(2)} at line ${
          worstRow + 2
        }`,
      );
    }
  }
  return soh;
}

/** Loads one Performance Summary file into the canonical per-RPT table. */
export async function loadPerformanceSummary(
  src: SummarySource,
  checks: LoadChecks = {},
): Promise<LoadedSummary> {
  const log = checks.log;
  const issues = checks.issues ?? new DataIssues(true, log);
  const text = await readTextTable(src.file, "a Performance Summary CSV", issues);
  const resolved = resolveHeaders(text.headers, SUMMARY_ALIASES, src.file);
  const rptCol = requireColumn(resolved, "rpt", src.file, "Ageing Sets");
  requireColumn(resolved, "capacity_c10_Ah", src.file, "C/10 Capacity [mA h]");
  requireColumn(resolved, "days", src.file, "Days of degradation");
  requireColumn(resolved, "charge_throughput_Ah", src.file, "Charge Throughput [A h]");
  const parsed = canonicalColumns(text, resolved);
  const rpt = parsed.get("rpt") as Float64Array;
  checkRpts(rpt, src.file, rptCol.header);
  const days = parsed.get("days") as Float64Array;
  if (Number.isNaN(days[0])) days[0] = 0; // RPT0 is the origin of the time axis (empty in the files)
  const soh = stateOfHealth(
    parsed.get("capacity_c10_Ah") as Float64Array,
    parsed.get("soh_reported") as Float64Array | undefined,
    src.file,
    log,
  );
  const columns = identityColumns(src, text.rows);
  columns.set("rpt", rpt);
  for (const key of ["days", "charge_throughput_Ah", "capacity_c10_Ah"]) columns.set(key, parsed.get(key)!);
  columns.set("soh", soh);
  for (const [key, col] of parsed) if (!columns.has(key)) columns.set(key, col);
  const table = { length: text.rows, columns: Object.fromEntries(columns) };
  const source = tableSource(src.file, resolved);
  checkSummaryTable(table.columns, source, checks.limits ?? M50T_LIMITS, issues);
  return { table, source, spelling: spellingOf(resolved), headers: text.headers };
}

/** Loads a Summary per Set / per Cycle file: known columns canonical, others kept under sanitised names. */
export async function loadAgeingSummary(
  src: SummarySource,
  what: string,
  checks: LoadChecks = {},
): Promise<LoadedSummary> {
  const issues = checks.issues ?? new DataIssues(true, checks.log);
  const text = await readTextTable(src.file, what, issues);
  const resolved = resolveHeaders(text.headers, SUMMARY_ALIASES, src.file);
  const columns = identityColumns(src, text.rows);
  for (const [key, col] of canonicalColumns(text, resolved)) columns.set(key, col);
  const table = { length: text.rows, columns: Object.fromEntries(columns) };
  const source = tableSource(src.file, resolved);
  // Per-set and per-cycle throughputs are not cumulative over the file: only the bands apply.
  checkColumnBands(table.columns, source, checks.limits ?? M50T_LIMITS, issues);
  return { table, source, spelling: spellingOf(resolved), headers: text.headers };
}

/** Stacks tables row-wise; a column absent from some table is missing (NaN / null) on its rows. */
export function concatTables(tables: readonly ColumnTable[]): ColumnTable {
  const length = tables.reduce((n, t) => n + t.length, 0);
  const names: string[] = [];
  for (const t of tables) for (const k of Object.keys(t.columns)) if (!names.includes(k)) names.push(k);
  const columns: Record<string, Column> = {};
  for (const name of names) {
    const textual = tables.some((t) => Array.isArray(t.columns[name]));
    const out: Column = textual
      ? new Array<string | null>(length).fill(null)
      : new Float64Array(length).fill(NaN);
    let at = 0;
    for (const t of tables) {
      const col = t.columns[name];
      if (col) {
        for (let i = 0; i < t.length; i++) {
          (out as unknown[])[at + i] = textual ? col[i] === null ? null : String(col[i]) : col[i];
        }
      }
      at += t.length;
    }
    columns[name] = out;
  }
  return { length, columns };
}
