/**
 * W2 benchmark: our gradient-boosted trees on the peer kit's Friedman #1 data (100k × 20, 500 rounds,
 * 31 leaves, lr 0.05, 255 bins, min_data_in_leaf 20, λ₂ 0, one thread), timed like the LightGBM CLI:
 * load (CSV parse + binning), training (the boosting loop) and the whole, plus test RMSE.
 *
 * Run: deno run --allow-read --allow-env --v8-flags=--single-threaded scripts/bench/w2_gbdt.ts [--runs 5] [--data DIR]
 * `--single-threaded` keeps V8's JIT and GC on the main thread, so the run really uses one thread like the
 * peers; on the shared 2-core machine it was also faster in wall time (helper threads compete for cores).
 */
import { binMatrix, type RowMatrix, trainGbdt } from "../../lib/gbdt/mod.ts";

/** W2 settings (see shared/bench/README.md, "W2 – gradient-boosted trees"). */
export const W2_PARAMS = {
  objective: "regression",
  num_iterations: 500,
  learning_rate: 0.05,
  num_leaves: 31,
  max_bin: 255,
  min_data_in_leaf: 20,
  lambda_l2: 0,
} as const;

/** Timings (seconds, one entry per run) and the test RMSE of the last run. */
export interface W2Result {
  loadSeconds: number[];
  trainSeconds: number[];
  endToEndSeconds: number[];
  testRmse: number;
}

/** A CSV of numbers: header names and the values row-major (empty field → NaN). */
export interface NumericCsv {
  names: string[];
  rows: number;
  values: Float64Array;
}

/** Runs W2 `runs` times on `<dataDir>/gbdt/{train,test}.csv`. */
export async function benchW2(opts: { dataDir: string; runs: number }): Promise<W2Result> {
  const result: W2Result = { loadSeconds: [], trainSeconds: [], endToEndSeconds: [], testRmse: NaN };
  for (let r = 0; r < opts.runs; r++) {
    const t0 = performance.now();
    const train = splitLabel(parseNumericCsv(await Deno.readFile(`${opts.dataDir}/gbdt/train.csv`)), "y");
    const binned = binMatrix(train.x, W2_PARAMS.max_bin);
    const t1 = performance.now();
    const booster = trainGbdt(train, W2_PARAMS, { binned });
    const t2 = performance.now();
    result.loadSeconds.push((t1 - t0) / 1000);
    result.trainSeconds.push((t2 - t1) / 1000);
    result.endToEndSeconds.push((t2 - t0) / 1000);
    const test = splitLabel(parseNumericCsv(await Deno.readFile(`${opts.dataDir}/gbdt/test.csv`)), "y");
    result.testRmse = rmse(booster.predict(test.x), test.y);
    console.error(
      `[gbdt ours] run ${r}: ${result.endToEndSeconds[r].toFixed(3)}s (load ${
        result.loadSeconds[r].toFixed(3)
      }s, ` +
        `train ${result.trainSeconds[r].toFixed(3)}s) rmse ${result.testRmse.toFixed(4)}`,
    );
  }
  return result;
}

/** Separates the label column from the features. */
export function splitLabel(csv: NumericCsv, label: string): { x: RowMatrix; y: Float64Array } {
  const at = csv.names.indexOf(label);
  if (at < 0) throw new Error(`column '${label}' not found; columns: ${csv.names.join(", ")}`);
  const cols = csv.names.length, f = cols - 1;
  const x = new Float64Array(csv.rows * f), y = new Float64Array(csv.rows);
  for (let i = 0; i < csv.rows; i++) {
    let k = i * f;
    for (let j = 0; j < cols; j++) {
      const v = csv.values[i * cols + j];
      if (j === at) y[i] = v;
      else x[k++] = v;
    }
  }
  return { x: { rows: csv.rows, cols: f, values: x }, y };
}

const COMMA = 44, NEWLINE = 10, CR = 13, MINUS = 45, PLUS = 43, DOT = 46, ZERO = 48, NINE = 57;
const POW10 = Float64Array.from({ length: 23 }, (_, k) => 10 ** k);

/**
 * Parses a comma-separated file of numbers with a header line, straight from bytes. Plain decimals with
 * ≤ 15 significant digits are read as integer / 10^k, which IEEE division rounds correctly (the same
 * double strtod gives); anything else (exponents, long mantissas, nan) falls back to parseFloat.
 */
export function parseNumericCsv(bytes: Uint8Array): NumericCsv {
  const headerEnd = bytes.indexOf(NEWLINE);
  const names = new TextDecoder().decode(bytes.subarray(0, headerEnd < 0 ? bytes.length : headerEnd))
    .replace(/\r$/, "").split(",").map((s) => s.trim());
  const cols = names.length, rows = countRows(bytes, headerEnd + 1);
  const values = new Float64Array(rows * cols);
  let pos = headerEnd + 1, row = 0;
  while (pos < bytes.length && row < rows) {
    if (bytes[pos] === NEWLINE || bytes[pos] === CR) {
      pos++;
      continue;
    }
    for (let j = 0; j < cols; j++) {
      const end = fieldEnd(bytes, pos);
      values[row * cols + j] = parseNumber(bytes, pos, end);
      const sep = bytes[end];
      pos = end + 1;
      if (j < cols - 1 && sep !== COMMA) {
        throw new Error(`CSV row ${row + 1}: ${j + 1} fields, expected ${cols}`);
      }
    }
    row++;
  }
  return { names, rows, values };
}

function countRows(bytes: Uint8Array, from: number): number {
  let rows = 0, lineHasData = false;
  for (let i = from; i < bytes.length; i++) {
    const b = bytes[i];
    if (b === NEWLINE) {
      if (lineHasData) rows++;
      lineHasData = false;
    } else if (b !== CR) lineHasData = true;
  }
  return rows + (lineHasData ? 1 : 0);
}

function fieldEnd(bytes: Uint8Array, pos: number): number {
  while (pos < bytes.length) {
    const b = bytes[pos];
    if (b === COMMA || b === NEWLINE || b === CR) return pos;
    pos++;
  }
  return pos;
}

function parseNumber(bytes: Uint8Array, start: number, end: number): number {
  if (start === end) return NaN;
  let i = start, negative = false;
  if (bytes[i] === MINUS || bytes[i] === PLUS) negative = bytes[i++] === MINUS;
  let mantissa = 0, digits = 0, decimals = 0, seenDot = false;
  for (; i < end; i++) {
    const b = bytes[i];
    if (b >= ZERO && b <= NINE) {
      mantissa = mantissa * 10 + (b - ZERO);
      if (mantissa > 0) digits++;
      if (seenDot) decimals++;
    } else if (b === DOT && !seenDot) seenDot = true;
    else return slowParse(bytes, start, end);
  }
  if (digits > 15 || decimals > 22) return slowParse(bytes, start, end);
  const value = mantissa / POW10[decimals];
  return negative ? -value : value;
}

function slowParse(bytes: Uint8Array, start: number, end: number): number {
  const text = new TextDecoder().decode(bytes.subarray(start, end)).trim();
  const v = Number(text);
  return text === "" || Number.isNaN(v) ? NaN : v;
}

function rmse(pred: Float64Array, y: Float64Array): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) s += (pred[i] - y[i]) ** 2;
  return Math.sqrt(s / y.length);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b), m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function defaultDataDir(): string {
  const home = Deno.env.get("BENCH_HOME") ?? `${Deno.env.get("HOME")}/.cache/batteryml-bench`;
  return `${home}/data`;
}

function argValue(name: string): string | undefined {
  const i = Deno.args.indexOf(name);
  return i >= 0 ? Deno.args[i + 1] : undefined;
}

if (import.meta.main) {
  const runs = Number(argValue("--runs") ?? 5);
  const result = await benchW2({ dataDir: argValue("--data") ?? defaultDataDir(), runs });
  const stat = (xs: number[], key: string) => ({
    [`${key}_median`]: median(xs),
    [`${key}_min`]: Math.min(...xs),
    [`${key}_max`]: Math.max(...xs),
  });
  console.log(JSON.stringify({
    workload: "W2_gbdt",
    peer: "batteryml-ts",
    ...stat(result.endToEndSeconds, "seconds"),
    ...stat(result.loadSeconds, "load_seconds"),
    ...stat(result.trainSeconds, "boost_loop_seconds"),
    runs,
    test_rmse: result.testRmse,
    threads: 1,
    rounds: W2_PARAMS.num_iterations,
    timed: "in-process: CSV parse + binning + 500 rounds (no process start, no model write)",
    deno: Deno.version.deno,
  }));
}
