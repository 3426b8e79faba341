/**
 * Physical plausibility of canonical battery data, shared by the dataset loaders and `data check`: per
 * canonical column a band derived from the cell's nominal capacity (negative capacities, SOH 2.9, a value in
 * mAh under an Ah header), cumulative columns that never decrease, charge throughput no faster than a cell
 * can be cycled, a file that does not end in a newline (its last line was cut), a discharge curve that does
 * not span its voltage window or passes an impossible charge, and a cell whose values sit ~1000× away from
 * the other cells' (a unit error). Findings go to a `DataIssues` sink: an error by default, a listed warning
 * with `data.strict=false`.
 *
 * Core-free (it raises lib/errors.ts's DataError, which the core re-exports), so the csv_table dataset plugin
 * uses it too.
 */
import { DataError, type DataLocation } from "../errors.ts";
import type { Curve, Logger } from "../dataset_shapes.ts";

/** What the checks are relative to: the cell's nominal capacity and the discharge voltage window. */
export interface CellLimits {
  /** Nominal capacity (Ah): LG M50T 5 Ah; each dataset plugin declares its own. */
  nominalCapacityAh: number;
  /** Voltage window [lo, hi] (V) a full 0.1C discharge spans. */
  voltageWindowV: readonly [number, number];
}

/**
 * Where plausibility findings go. Strict (the default): the first one throws a DataError. Lenient
 * (`data.strict=false`): each distinct finding is logged once and kept for the run manifest.
 */
export class DataIssues {
  readonly strict: boolean;
  readonly #warnings: string[] = [];
  readonly #seen = new Set<string>();
  readonly #log?: Logger;

  constructor(strict: boolean, log?: Logger) {
    this.strict = strict;
    this.#log = log;
  }

  /** Reports one finding: throws when strict, else records it (once) as a warning. */
  report(message: string, location: DataLocation): void {
    const err = new DataError(message, location);
    if (this.strict) throw err;
    if (this.#seen.has(err.message)) return;
    this.#seen.add(err.message);
    this.#warnings.push(err.message);
    this.#log?.warn(`data.strict=false: ${err.message}`);
  }

  /** The warnings recorded so far, in the order found. */
  warnings(): string[] {
    return [...this.#warnings];
  }
}

/** A band [min, max] for one canonical column, given the cell's limits. */
interface ColumnRule {
  min: (l: CellLimits) => number;
  max: (l: CellLimits) => number;
  /** How the band is derived, for the message. */
  basis: string;
}

const C = (f: number) => (l: CellLimits) => f * l.nominalCapacityAh;
const fixed = (v: number) => () => v;
/** Highest average rate (C) a cell can be cycled at around the clock; M50T's rating is 1.5C. */
export const MAX_AVERAGE_C_RATE = 5;
/** Outside −40…80 °C no cell test runs. */
const TEMPERATURE_K = { min: fixed(233.15), max: fixed(353.15), basis: "−40…80 °C" };

/** A capacity band as fractions of the nominal capacity. */
const capacity = (lo: number, hi: number): ColumnRule => ({
  min: C(lo),
  max: C(hi),
  basis: `${lo === -hi ? `±${hi}` : `${lo}–${hi}`} × nominal capacity`,
});
const SOH: ColumnRule = { min: fixed(0.3), max: fixed(1.1), basis: "SOH 0.3–1.1" };
/** Loss fractions: fits give small negatives near zero (−0.00076 and −0.0044 in Expt 1 cells D and F). */
const LOSS: ColumnRule = { min: fixed(-0.1), max: fixed(1), basis: "a loss fraction −0.1–1" };
/** Resistance scales inversely with capacity: 5 Ω·Ah is far above any lithium-ion cell's (M50T: 0.13). */
const RESISTANCE: ColumnRule = {
  min: fixed(0),
  max: (l) => 5 / l.nominalCapacityAh,
  basis: "0 < R ≤ 5 Ω·Ah / nominal capacity",
};
const NON_NEGATIVE: ColumnRule = { min: fixed(0), max: fixed(Infinity), basis: "≥ 0" };

/**
 * Bands per canonical column. The C/10 capacity (the SOH basis) keeps ≥ 30 % of nominal: ageing studies
 * stop long before (the lowest SoH in the real M50T files is 0.449, Expt 1 cell F); electrodes hold more
 * than the cell. A capacity 1000× off (a unit error) or negative falls outside.
 */
export const COLUMN_RULES: Readonly<Record<string, ColumnRule>> = {
  capacity_c10_Ah: capacity(0.3, 1.2),
  capacity_c2_Ah: capacity(0, 1.2),
  cell_capacity_Ah: capacity(0, 1.2),
  discharge_capacity_Ah: capacity(0, 1.2),
  charge_capacity_Ah: capacity(0, 1.2),
  pe_capacity_Ah: capacity(0, 1.5),
  ne_capacity_Ah: capacity(0, 1.5),
  ne_gr_capacity_Ah: capacity(0, 1.5),
  ne_si_capacity_Ah: capacity(0, 1.5),
  electrode_offset_Ah: capacity(-0.5, 0.5),
  charge_throughput_Ah: NON_NEGATIVE,
  energy_throughput_Wh: NON_NEGATIVE,
  soh: SOH,
  soh_reported: SOH,
  lli: LOSS,
  lam_pe: LOSS,
  lam_ne: LOSS,
  lam_ne_gr: LOSS,
  lam_ne_si: LOSS,
  r_0p1s_ohm: RESISTANCE,
  r_mean_ohm: RESISTANCE,
  r_80to48_soc_ohm: RESISTANCE,
  r_100soc_ohm: RESISTANCE,
  cell_temperature_K: TEMPERATURE_K,
  days: { min: fixed(0), max: fixed(20 * 365.25), basis: "0–20 years" },
};

/** Where a table's rows and columns are in its file: row i is file line i + 2; headers by canonical name. */
export interface TableSource {
  file: string;
  /** The source header of a canonical column (messages name the file's own header). */
  headerOf: (canonical: string) => string;
}

function fmt(v: number): string {
  return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6)));
}

/** True when `v` lies outside the rule's band (NaN is a missing value: allowed). */
function outside(v: number, lo: number, hi: number, strictLow: boolean): boolean {
  if (Number.isNaN(v)) return false;
  return (strictLow ? v <= lo : v < lo) || v > hi || !Number.isFinite(v);
}

/**
 * Each value of every ruled column within its band (resistances strictly above 0). One finding per column:
 * its first row out of band, with how many more rows are (a unit error puts the whole column out).
 */
export function checkColumnBands(
  columns: Readonly<Record<string, unknown>>,
  src: TableSource,
  limits: CellLimits,
  issues: DataIssues,
): void {
  for (const [name, rule] of Object.entries(COLUMN_RULES)) {
    const col = columns[name];
    if (!(col instanceof Float64Array)) continue;
    const lo = rule.min(limits), hi = rule.max(limits);
    const strictLow = name.startsWith("r_");
    const bad = col.reduce<number[]>(
      (rows, v, i) => (outside(v, lo, hi, strictLow) ? [...rows, i] : rows),
      [],
    );
    if (bad.length === 0) continue;
    const basis = rule.basis.includes("nominal")
      ? `${rule.basis} ${fmt(limits.nominalCapacityAh)} Ah`
      : rule.basis;
    issues.report(`implausible ${name}`, {
      file: src.file,
      row: bad[0] + 2,
      column: src.headerOf(name),
      expected: `${strictLow ? `> ${fmt(lo)}` : `≥ ${fmt(lo)}`}${
        Number.isFinite(hi) ? ` and ≤ ${fmt(hi)}` : ""
      } (${basis})`,
      found: `${fmt(col[bad[0]])}${
        bad.length > 1 ? ` (and ${bad.length - 1} more rows out of the band)` : ""
      }`,
    });
  }
}

/** Cumulative columns of a per-RPT table (days, throughput) never decrease. */
export function checkCumulative(
  columns: Readonly<Record<string, unknown>>,
  src: TableSource,
  issues: DataIssues,
  names: readonly string[] = ["days", "charge_throughput_Ah", "energy_throughput_Wh"],
): void {
  for (const name of names) {
    const col = columns[name];
    if (!(col instanceof Float64Array)) continue;
    let last = NaN, lastRow = 0;
    for (let i = 0; i < col.length; i++) {
      if (Number.isNaN(col[i])) continue;
      if (col[i] < last) {
        issues.report(`${name} decreases`, {
          file: src.file,
          row: i + 2,
          column: src.headerOf(name),
          expected: `≥ ${fmt(last)} (row ${lastRow}: a cumulative quantity)`,
          found: fmt(col[i]),
        });
      }
      last = col[i];
      lastRow = i + 2;
    }
  }
}

/**
 * Charge throughput cannot grow faster than cycling at MAX_AVERAGE_C_RATE around the clock, and energy
 * over charge throughput is the mean voltage, which lies inside the voltage window.
 */
export function checkThroughput(
  columns: Readonly<Record<string, unknown>>,
  src: TableSource,
  limits: CellLimits,
  issues: DataIssues,
): void {
  const q = columns.charge_throughput_Ah, days = columns.days, e = columns.energy_throughput_Wh;
  if (!(q instanceof Float64Array)) return;
  const perDay = 24 * MAX_AVERAGE_C_RATE * limits.nominalCapacityAh;
  if (days instanceof Float64Array) {
    for (let i = 0; i < q.length; i++) {
      if (!(days[i] > 0) || !(q[i] > days[i] * perDay)) continue;
      issues.report("charge throughput faster than any cycling", {
        file: src.file,
        row: i + 2,
        column: src.headerOf("charge_throughput_Ah"),
        expected: `≤ ${fmt(days[i] * perDay)} Ah after ${
          fmt(days[i])
        } days (${MAX_AVERAGE_C_RATE}C around the clock)`,
        found: fmt(q[i]),
      });
    }
  }
  if (!(e instanceof Float64Array)) return;
  const [lo, hi] = limits.voltageWindowV;
  for (let i = 0; i < q.length; i++) {
    if (!(q[i] > 0) || !(e[i] > 0)) continue;
    const volts = e[i] / q[i];
    if (volts < lo || volts > hi) {
      issues.report("energy and charge throughput disagree", {
        file: src.file,
        row: i + 2,
        column: src.headerOf("energy_throughput_Wh"),
        expected: `a mean voltage (energy / charge) within ${lo}–${hi} V`,
        found: `${fmt(e[i])} Wh / ${fmt(q[i])} Ah = ${fmt(volts)} V`,
      });
    }
  }
}

/** All per-table checks of one cell's per-RPT table. */
export function checkSummaryTable(
  columns: Readonly<Record<string, unknown>>,
  src: TableSource,
  limits: CellLimits,
  issues: DataIssues,
): void {
  checkColumnBands(columns, src, limits, issues);
  checkCumulative(columns, src, issues);
  checkThroughput(columns, src, limits, issues);
}

/** A text that does not end in a newline lost its last line (a cut download or copy). */
export function checkEndsWithNewline(
  text: string,
  file: string,
  issues: DataIssues,
): void {
  if (text === "" || text.endsWith("\n")) return;
  const lines = text.split("\n");
  const last = lines[lines.length - 1];
  issues.report("file does not end in a newline: its last line is cut", {
    file,
    row: lines.length,
    expected: "a complete last line ending in a newline",
    found: JSON.stringify(last.length > 40 ? `…${last.slice(-40)}` : last), // where it was cut
  });
}

/** True when the file's last byte is a newline (reads one byte; for large curve files). */
export async function fileEndsWithNewline(file: string): Promise<boolean> {
  const handle = await Deno.open(file);
  try {
    const size = (await handle.stat()).size;
    if (size === 0) return true;
    await handle.seek(size - 1, Deno.SeekMode.Start);
    const last = new Uint8Array(1);
    await handle.read(last);
    return last[0] === 10;
  } finally {
    handle.close();
  }
}

/** Which curve is checked and the headers its canonical columns came from. */
export interface CurveCheckSource extends TableSource {
  /** 0.1C curves are full discharges: they span the voltage window and pass most of the capacity. */
  kind: "0.1C" | "0.5C";
}

/** How far below the window's top a full 0.1C discharge may start, and above its bottom end (V). */
const SPAN_TOP_V = 0.2;
const SPAN_BOTTOM_V = 0.1;

function extreme(values: Float64Array, sign: 1 | -1): { value: number; row: number } {
  let at = 0;
  for (let i = 1; i < values.length; i++) if (sign * (values[i] - values[at]) > 0) at = i;
  return { value: values[at], row: at + 2 };
}

/**
 * Voltage, current and temperature within physical bands; a 0.1C discharge spans the voltage window and
 * passes 0.3–1.2 × nominal capacity; any curve passes at most 1.2 × nominal capacity. Span tolerances:
 * the bottom within 0.1 V (a discharge runs to its cut-off; a file cut at a line boundary stops far above
 * it), the top within 0.2 V (real curves start at ~4.17 V after the rest; a cell with heavy LAM_NE tops out
 * near 4.08 V because its negative electrode fills first).
 */
export function checkCurve(
  curve: Curve,
  src: CurveCheckSource,
  limits: CellLimits,
  issues: DataIssues,
): void {
  const [lo, hi] = limits.voltageWindowV;
  const where = (canonical: string, row: number) => ({
    file: src.file,
    row,
    column: src.headerOf(canonical),
  });
  const vMin = extreme(curve.voltage_V, -1), vMax = extreme(curve.voltage_V, 1);
  if (vMin.value < lo - 0.5 || vMax.value > hi + 0.3) {
    const bad = vMin.value < lo - 0.5 ? vMin : vMax;
    issues.report("implausible voltage", {
      ...where("voltage_V", bad.row),
      expected: `${fmt(lo - 0.5)}–${fmt(hi + 0.3)} V (window ${lo}–${hi} V)`,
      found: `${fmt(bad.value)} V`,
    });
  }
  const iMax = Math.max(extreme(curve.current_A, 1).value, -extreme(curve.current_A, -1).value);
  const iLimit = MAX_AVERAGE_C_RATE * limits.nominalCapacityAh;
  if (iMax > iLimit) {
    const big = extreme(curve.current_A.map(Math.abs), 1);
    issues.report("implausible current", {
      ...where("current_A", big.row),
      expected: `|I| ≤ ${fmt(iLimit)} A (${MAX_AVERAGE_C_RATE}C of ${fmt(limits.nominalCapacityAh)} Ah)`,
      found: `${fmt(big.value)} A`,
    });
  }
  if (curve.temperature_K) {
    const tMin = extreme(curve.temperature_K, -1), tMax = extreme(curve.temperature_K, 1);
    const bad = tMin.value < TEMPERATURE_K.min() ? tMin : tMax.value > TEMPERATURE_K.max() ? tMax : undefined;
    if (bad) {
      issues.report("implausible temperature", {
        ...where("temperature_K", bad.row),
        expected: `233.15–353.15 K (${TEMPERATURE_K.basis})`,
        found: `${fmt(bad.value)} K`,
      });
    }
  }
  if (src.kind === "0.1C" && (vMax.value < hi - SPAN_TOP_V || vMin.value > lo + SPAN_BOTTOM_V)) {
    const top = vMax.value < hi - SPAN_TOP_V;
    issues.report("curve does not span its voltage window", {
      ...where("voltage_V", top ? vMax.row : vMin.row),
      expected: `a 0.1C discharge from ≥ ${fmt(hi - SPAN_TOP_V)} V down to ≤ ${
        fmt(lo + SPAN_BOTTOM_V)
      } V (window ${lo}–${hi} V)`,
      found: `${fmt(vMax.value)}–${fmt(vMin.value)} V (a cut or partial curve)`,
    });
  }
  const n = curve.charge_Ah.length;
  const passed = Math.abs(curve.charge_Ah[n - 1] - curve.charge_Ah[0]);
  const qLo = src.kind === "0.1C" ? 0.3 * limits.nominalCapacityAh : 0;
  const qHi = 1.2 * limits.nominalCapacityAh;
  if (passed < qLo || passed > qHi) {
    issues.report("implausible charge passed by the curve", {
      ...where("charge_Ah", n + 1),
      expected: `${fmt(qLo)}–${fmt(qHi)} Ah (${src.kind === "0.1C" ? "0.3" : "0"}–1.2 × nominal capacity)`,
      found: `${fmt(passed)} Ah`,
    });
  }
}

/** One cell's per-RPT table, for the cross-cell magnitude check. */
export interface CellTable {
  cellKey: string;
  source: TableSource;
  columns: Readonly<Record<string, unknown>>;
}

/** Ratio of a cell's median to the other cells' that flags a unit error (1000×; real spread is < 10×). */
export const MAGNITUDE_RATIO = 100;

/** Columns compared across cells: magnitudes in the nominal capacity's units. */
const MAGNITUDE_COLUMNS = [
  "capacity_c10_Ah",
  "capacity_c2_Ah",
  "charge_throughput_Ah",
  "energy_throughput_Wh",
  "cell_capacity_Ah",
  "pe_capacity_Ah",
  "ne_capacity_Ah",
] as const;

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Median of a column's positive finite values, with the first such row; undefined when none. */
function positiveMedian(col: unknown): { median: number; firstRow: number } | undefined {
  if (!(col instanceof Float64Array)) return undefined;
  const values: number[] = [];
  let firstRow = 0;
  col.forEach((v, i) => {
    if (Number.isFinite(v) && v > 0) {
      if (values.length === 0) firstRow = i + 2;
      values.push(v);
    }
  });
  return values.length ? { median: median(values), firstRow } : undefined;
}

/**
 * Per-cell magnitude consistency: a cell whose median of a column is ≥ MAGNITUDE_RATIO × (or ≤ 1/ratio of)
 * the median over the other cells (at least two) carries a unit error (Ah under a mAh header or the reverse).
 */
export function checkCellMagnitudes(cells: readonly CellTable[], issues: DataIssues): void {
  for (const name of MAGNITUDE_COLUMNS) {
    const medians = cells.map((c) => positiveMedian(c.columns[name]));
    cells.forEach((cell, i) => {
      const own = medians[i];
      const others = medians.filter((m, j) => j !== i && m !== undefined).map((m) => m!.median);
      if (!own || others.length < 2) return;
      const ref = median(others);
      const ratio = own.median / ref;
      if (ratio >= MAGNITUDE_RATIO || ratio <= 1 / MAGNITUDE_RATIO) {
        issues.report(`${name} of ${cell.cellKey} is ~${fmt(ratio)}× the other cells' (a unit error?)`, {
          file: cell.source.file,
          row: own.firstRow,
          column: cell.source.headerOf(name),
          expected: `a median near ${
            fmt(ref)
          } (median of ${others.length} other cells, within ${MAGNITUDE_RATIO}×)`,
          found: `a median of ${fmt(own.median)}`,
        });
      }
    });
  }
}
