/**
 * W1 benchmark — incremental capacity analysis of the peer kit's 128 curves (`$BENCH_HOME/data/ica`):
 * one untimed warm-up pass, then `runs` timed passes; end-to-end = read + parse + compute of all files,
 * compute = the same pass without reading and parsing. Same recipe as `../shared/bench/peer_ica_scipy.py`.
 *
 * Also holds the small CSV number parser the W1 files need (the production M50T loader lives elsewhere):
 * it parses bytes directly — no TextDecoder, no per-row strings — because parsing dominates W1.
 *
 * Run: deno run --allow-read --allow-env scripts/bench/w1_ica.ts [runs]
 */
import { type IcaFeatures, icaFeatures } from "../../lib/signal/ica.ts";

/** Numeric columns of a CSV file, by header name. */
export interface NumericTable {
  header: string[];
  columns: Float64Array[];
  rows: number;
}

const COMMA = 44;
const NEWLINE = 10;
const CR = 13;
const MINUS = 45;
const DOT = 46;
const ZERO = 48;
const NINE = 57;
/** 10^k, exact in float64 for k ≤ 22 (what makes mantissa / 10^k correctly rounded). */
const POW10 = Float64Array.from({ length: 23 }, (_, k) => 10 ** k);
const NA_TOKENS = new Set(["", "NA", "N/A", "NaN", "nan", "NULL", "null", "-nan", "#N/A"]);

/**
 * Parses a comma-separated file whose first line is a header and whose fields are all numbers (empty or
 * NA fields → NaN). Plain decimals take a fast path that is exactly round-to-nearest, like strtod: an
 * integer mantissa below 2^53 divided by an exact power of ten; anything else goes through Number().
 */
export function parseNumericCsv(input: Uint8Array, source = "<bytes>"): NumericTable {
  // A final newline makes every scan stop inside the buffer: no out-of-range reads, which would make V8
  // deoptimise the hot loop.
  const bytes = input.length === 0 || input[input.length - 1] === NEWLINE ? input : withFinalNewline(input);
  const headerEnd = lineEnd(bytes, 0);
  const header = latin1(bytes, 0, trimCr(bytes, 0, headerEnd)).split(",");
  const { columns, rows } = parseRows(bytes, headerEnd + 1, header, source);
  return { header, columns: columns.map((col) => col.subarray(0, rows)), rows };
}

/** The hot loop: one pass over the data bytes, one store per field, no allocation. */
function parseRows(bytes: Uint8Array, start: number, header: string[], source: string) {
  const last = header.length - 1;
  let columns: Float64Array[] = header.map(() => new Float64Array(estimateRows(bytes, start)));
  let pos = start;
  let row = 0;
  while (pos < bytes.length) {
    if (row === columns[0].length) columns = columns.map(grown);
    let b = bytes[pos];
    if (b === NEWLINE || b === CR) {
      pos = lineEnd(bytes, pos) + 1; // blank line: skipped, as pandas does
      continue;
    }
    for (let c = 0; c <= last; c++) {
      const fieldStart = pos;
      const negative = b === MINUS;
      if (negative) b = bytes[++pos];
      let mantissa = 0;
      const digitsStart = pos;
      while (b >= ZERO && b <= NINE) {
        mantissa = mantissa * 10 + (b - ZERO);
        b = bytes[++pos];
      }
      let decimals = 0;
      let dot = 0;
      if (b === DOT) {
        dot = 1;
        const fractionStart = ++pos;
        b = bytes[pos];
        while (b >= ZERO && b <= NINE) {
          mantissa = mantissa * 10 + (b - ZERO);
          b = bytes[++pos];
        }
        decimals = pos - fractionStart;
      }
      const digits = pos - digitsStart - dot;
      const ended = c === last ? b === NEWLINE || b === CR : b === COMMA;
      if (ended && digits > 0 && mantissa <= Number.MAX_SAFE_INTEGER && decimals < POW10.length) {
        const magnitude = mantissa / POW10[decimals];
        columns[c][row] = negative ? -magnitude : magnitude;
      } else {
        pos = parseFieldSlow(bytes, fieldStart, columns[c], row, source, header[c]);
        b = bytes[pos];
        if (!(c === last ? b === NEWLINE || b === CR : b === COMMA)) {
          throw new Error(
            `${source}: row ${row + 1} does not have ${header.length} fields (${header.join(",")})`,
          );
        }
      }
      pos++;
      if (c < last) b = bytes[pos];
      else if (b === CR && bytes[pos] === NEWLINE) pos++;
    }
    row++;
  }
  return { columns, rows: row };
}

/** Rows expected from the first data row's length (counting every newline costs a third of the parse). */
function estimateRows(bytes: Uint8Array, start: number): number {
  const firstRowBytes = lineEnd(bytes, start) + 1 - start;
  return Math.ceil(((bytes.length - start) / Math.max(firstRowBytes, 1)) * 1.05) + 16;
}

function grown(column: Float64Array): Float64Array {
  const out = new Float64Array(column.length * 2);
  out.set(column);
  return out;
}

function withFinalNewline(input: Uint8Array): Uint8Array {
  const out = new Uint8Array(input.length + 1);
  out.set(input);
  out[input.length] = NEWLINE;
  return out;
}

/** Exponents, NA markers, very long mantissas: decode the field and let Number() decide. */
function parseFieldSlow(
  bytes: Uint8Array,
  start: number,
  out: Float64Array,
  row: number,
  source: string,
  column: string,
): number {
  let pos = start;
  while (pos < bytes.length && bytes[pos] !== COMMA && bytes[pos] !== NEWLINE && bytes[pos] !== CR) pos++;
  const text = latin1(bytes, start, pos).trim();
  const value = NA_TOKENS.has(text) ? NaN : Number(text);
  if (Number.isNaN(value) && !NA_TOKENS.has(text)) {
    throw new Error(`${source}: row ${row + 1}, column '${column}': expected a number, found '${text}'`);
  }
  out[row] = value;
  return pos;
}

function lineEnd(bytes: Uint8Array, from: number): number {
  const at = bytes.indexOf(NEWLINE, from);
  return at < 0 ? bytes.length : at;
}

function trimCr(bytes: Uint8Array, start: number, end: number): number {
  return end > start && bytes[end - 1] === CR ? end - 1 : end;
}

function latin1(bytes: Uint8Array, start: number, end: number): string {
  let s = "";
  for (let i = start; i < end; i++) s += String.fromCharCode(bytes[i]);
  return s;
}

/** A named column of a parsed table; the error names the file, the column and the columns found. */
export function column(table: NumericTable, name: string, source = "<bytes>"): Float64Array {
  const at = table.header.indexOf(name);
  if (at < 0) throw new Error(`${source}: missing column '${name}'; found ${table.header.join(", ")}`);
  return table.columns[at];
}

/** Voltage (V) and charge (Ah) of a 0.1C curve file in the M50T layout (`Charge (mA.h)` → Ah). */
export function curveFromCsv(
  bytes: Uint8Array,
  source = "<bytes>",
): { voltage: Float64Array; chargeAh: Float64Array } {
  const table = parseNumericCsv(bytes, source);
  return {
    voltage: column(table, "Voltage (V)", source),
    chargeAh: toAh(column(table, "Charge (mA.h)", source)),
  };
}

/** `$BENCH_HOME/data`, BENCH_HOME defaulting to `$HOME/.cache/batteryml-bench` (the peer kit's layout). */
export function benchDataDir(): string {
  const home = Deno.env.get("BENCH_HOME") ?? `${Deno.env.get("HOME") ?? "."}/.cache/batteryml-bench`;
  return `${home}/data`;
}

/** The 128 W1 curve files of a data folder, sorted by name. */
export async function w1CurveFiles(dataDir: string): Promise<string[]> {
  const files: string[] = [];
  for await (const entry of Deno.readDir(`${dataDir}/ica`)) {
    if (entry.isFile && /^curve_\d{3}\.csv$/.test(entry.name)) files.push(`${dataDir}/ica/${entry.name}`);
  }
  return files.sort();
}

/** Result of {@link benchW1}: per-pass timings and the cross-check features of the last pass. */
export interface W1Result {
  endToEndSeconds: number[];
  computeSeconds: number[];
  curve000: IcaFeatures;
  curve127: IcaFeatures;
  meanTotalAreaAh: number;
  meanTopPeakVoltage: number;
}

/** Runs W1: one untimed warm-up pass over the 128 files, then `runs` timed passes. */
export async function benchW1(opts: { dataDir: string; runs: number }): Promise<W1Result> {
  const files = await w1CurveFiles(opts.dataDir);
  if (files.length !== 128) {
    throw new Error(
      `expected 128 curves in ${opts.dataDir}/ica, found ${files.length}: run gen_workloads.py`,
    );
  }
  await runPass(files);
  const endToEndSeconds: number[] = [];
  const computeSeconds: number[] = [];
  let features: IcaFeatures[] = [];
  for (let r = 0; r < opts.runs; r++) {
    const pass = await runPass(files);
    endToEndSeconds.push(pass.seconds);
    computeSeconds.push(pass.computeSeconds);
    features = pass.features;
  }
  return {
    endToEndSeconds,
    computeSeconds,
    curve000: features[0],
    curve127: features[127],
    meanTotalAreaAh: mean(features.map((f) => f.total_area_ah)),
    meanTopPeakVoltage: mean(features.map((f) => f.peaks[0].voltage)),
  };
}

async function runPass(
  files: string[],
): Promise<{ seconds: number; computeSeconds: number; features: IcaFeatures[] }> {
  const features: IcaFeatures[] = [];
  let compute = 0;
  const t0 = performance.now();
  for (const file of files) {
    // All columns are parsed, as the peer's read_csv does; only two are used.
    const table = parseNumericCsv(await Deno.readFile(file), file);
    const voltage = column(table, "Voltage (V)", file);
    const chargeMah = column(table, "Charge (mA.h)", file);
    const t1 = performance.now();
    features.push(icaFeatures(voltage, toAh(chargeMah)));
    compute += performance.now() - t1;
  }
  return { seconds: (performance.now() - t0) / 1000, computeSeconds: compute / 1000, features };
}

/** mA·h → A·h in place (the bench times it as compute, like the peer's `q_mah / 1000`). */
function toAh(mAh: Float64Array): Float64Array {
  for (let i = 0; i < mAh.length; i++) mAh[i] /= 1000;
  return mAh;
}

function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

if (import.meta.main) {
  const runs = Number(Deno.args[0] ?? 5);
  const result = await benchW1({ dataDir: benchDataDir(), runs });
  const summary = (xs: number[], prefix: string) => ({
    [`${prefix}_median`]: median(xs),
    [`${prefix}_min`]: Math.min(...xs),
    [`${prefix}_max`]: Math.max(...xs),
  });
  console.log(JSON.stringify({
    workload: "W1_ica",
    impl: "deno",
    files: 128,
    runs,
    ...summary(result.endToEndSeconds, "seconds"),
    ...summary(result.computeSeconds, "compute_seconds"),
    curve_000: result.curve000,
    curve_127: result.curve127,
    mean_total_area_ah: result.meanTotalAreaAh,
    mean_top_peak_voltage: result.meanTopPeakVoltage,
  }));
}
