/**
 * Loads one voltage-curve file (0.1C / 0.5C discharge, header `Time (s),Voltage (V),Current (mA),Charge
 * (mA.h),Temperature (degC)`) into canonical columns: time_s, voltage_V, current_A, charge_Ah,
 * temperature_K. Polars parses the numbers (the hot path: ~35k rows per file); a value polars cannot parse
 * is located by re-reading that file as text, so the error still names line and column.
 */
import pl from "nodejs-polars";
import type { Curve } from "../dataset_shapes.ts";
import { DataError } from "../errors.ts";
import { CURVE_ALIASES, requireColumn, type ResolvedColumn, resolveHeaders } from "./headers.ts";
import {
  type CellLimits,
  checkCurve,
  checkEndsWithNewline,
  DataIssues,
  fileEndsWithNewline,
} from "./plausibility.ts";
import { M50T_LIMITS } from "./experiments.ts";
import { missingFileError, parseNumberColumn, readTextTable, splitCsvLine } from "./text_csv.ts";

/** Which curve a file holds (for the Curve record and messages). */
export interface CurveSource {
  file: string;
  cellKey: string;
  rpt: number;
  /** The test the curve comes from (default 0.1C): a 0.1C discharge must span the voltage window. */
  kind?: "0.1C" | "0.5C";
}

/** How a curve is checked: where findings go and the cell's limits (default: strict, M50T). */
export interface CurveChecks {
  issues?: DataIssues;
  limits?: CellLimits;
}

/** A file without a final newline lost its last line; the line count is read only in that case. */
async function checkComplete(file: string, issues: DataIssues): Promise<void> {
  if (await fileEndsWithNewline(file)) return;
  checkEndsWithNewline(await Deno.readTextFile(file), file, issues);
}

const REQUIRED: ReadonlyArray<readonly [string, string]> = [
  ["time_s", "Time (s)"],
  ["voltage_V", "Voltage (V)"],
  ["current_A", "Current (mA)"],
  ["charge_Ah", "Charge (mA.h)"],
];

/** The header line of a CSV (read from its first bytes only: polars reads the rest itself). */
async function readHeader(file: string): Promise<string[]> {
  let handle: Deno.FsFile;
  try {
    handle = await Deno.open(file);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) throw await missingFileError(file, "a voltage-curve CSV");
    throw err;
  }
  try {
    const head = new Uint8Array(65536);
    const n = (await handle.read(head)) ?? 0;
    const end = head.subarray(0, n).indexOf(10);
    const line = new TextDecoder().decode(head.subarray(0, end < 0 ? n : end)).replace(/\r$/, "");
    if (line.trim() === "") {
      throw new DataError("empty file", {
        file,
        expected: "a voltage-curve CSV with a header and rows",
        found: n === 0 ? "0 bytes" : "no header",
      });
    }
    return splitCsvLine(line);
  } finally {
    handle.close();
  }
}

/** Parses all columns as Float64 with polars; on failure finds the bad cell and throws a located error. */
async function parseFloat64(headers: string[], file: string): Promise<pl.DataFrame> {
  try {
    return pl.readCSV(file, {
      hasHeader: true,
      dtypes: Object.fromEntries(headers.map((h) => [h, pl.Float64])),
    });
  } catch (err) {
    const text = await readTextTable(file, "a voltage-curve CSV");
    text.columns.forEach((cells, j) => parseNumberColumn(cells, { file, column: text.headers[j] }));
    throw new DataError("unreadable curve file", { file, expected: "numeric columns", found: String(err) });
  }
}

/** A column as canonical Float64 values; every empty or non-finite cell is an error (no missing samples). */
function canonical(df: pl.DataFrame, r: ResolvedColumn, file: string): Float64Array {
  const series = df.getColumn(r.header);
  const nulls = series.nullCount();
  if (nulls > 0) {
    const row = (series.isNull().toArray() as boolean[]).indexOf(true);
    throw new DataError("missing value in a curve", {
      file,
      column: r.header,
      row: row + 2,
      expected: "a number",
      found: "an empty cell",
    });
  }
  const values = Float64Array.from(series.toTypedArray() as Float64Array);
  // Polars reads "NaN" and "inf" as floats: a curve sample must be a finite number.
  const bad = values.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) {
    throw new DataError("not a finite number in a curve", {
      file,
      column: r.header,
      row: bad + 2,
      expected: "a finite number",
      found: String(values[bad]),
    });
  }
  if (r.factor !== 1 || r.divisor !== 1 || r.offset !== 0) {
    for (let i = 0; i < values.length; i++) values[i] = (values[i] * r.factor) / r.divisor + r.offset;
  }
  return values;
}

/** Time must never go back; charge must move one way only (its sign may be either). */
function checkMonotonic(
  time: Float64Array,
  charge: Float64Array,
  file: string,
  headers: { time: string; charge: string },
): void {
  for (let i = 1; i < time.length; i++) {
    if (time[i] < time[i - 1]) {
      throw new DataError("time goes backwards", {
        file,
        column: headers.time,
        row: i + 2,
        expected: `≥ ${time[i - 1]}`,
        found: String(time[i]),
      });
    }
  }
  const sign = Math.sign(charge[charge.length - 1] - charge[0]) || 1;
  for (let i = 1; i < charge.length; i++) {
    if (sign * (charge[i] - charge[i - 1]) < 0) {
      throw new DataError("charge is not monotonic", {
        file,
        column: headers.charge,
        row: i + 2,
        expected: `${sign > 0 ? "≥" : "≤"} ${charge[i - 1]} Ah`,
        found: `${charge[i]} Ah`,
      });
    }
  }
}

/** Loads one curve file into canonical units, validated. */
export async function loadCurve(src: CurveSource, checks: CurveChecks = {}): Promise<Curve> {
  const issues = checks.issues ?? new DataIssues(true);
  const headers = await readHeader(src.file);
  const resolved = resolveHeaders(headers, CURVE_ALIASES, src.file);
  const [time, voltage, current, charge] = REQUIRED.map(([name, example]) =>
    requireColumn(resolved, name, src.file, example)
  );
  await checkComplete(src.file, issues);
  const df = await parseFloat64(headers, src.file);
  if (df.height === 0) {
    throw new DataError("no data rows", {
      file: src.file,
      expected: "a curve with at least one sample",
      found: "a header only",
    });
  }
  const curve: Curve = {
    cellKey: src.cellKey,
    rpt: src.rpt,
    source: src.file,
    time_s: canonical(df, time, src.file),
    voltage_V: canonical(df, voltage, src.file),
    current_A: canonical(df, current, src.file),
    charge_Ah: canonical(df, charge, src.file),
  };
  const temperature = resolved.find((r) => r.canonical === "temperature_K");
  if (temperature) curve.temperature_K = canonical(df, temperature, src.file);
  checkMonotonic(curve.time_s, curve.charge_Ah, src.file, { time: time.header, charge: charge.header });
  const header = new Map(resolved.map((r) => [r.canonical, r.header]));
  checkCurve(
    curve,
    {
      file: src.file,
      kind: src.kind ?? "0.1C",
      headerOf: (c) => header.get(c) ?? c,
    },
    checks.limits ?? M50T_LIMITS,
    issues,
  );
  return curve;
}
