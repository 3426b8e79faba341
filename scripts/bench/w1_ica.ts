/**
 * W1 benchmark — incremental capacity analysis of the peer kit's 128 curves (`$BENCH_HOME/data/ica`):
 * one untimed warm-up pass, then `runs` timed passes; end-to-end = read + parse + compute of all files,
 * compute = the same pass without reading and parsing. Same recipe as `../shared/bench/peer_ica_scipy.py`.
 *
 * Files are parsed with lib/io/numeric_csv.ts (bytes straight to numbers), because parsing dominates W1.
 *
 * Run: deno run --allow-read --allow-env scripts/bench/w1_ica.ts [runs]
 */
import { type CurveSamples, type IcaFeatures, streamIcaFeatures } from "../../lib/signal/mod.ts";
import { column, NumericCsvParser, parseNumericCsv } from "../../lib/io/mod.ts";

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
  const t0 = performance.now();
  const pass = await streamIcaFeatures(curveFileSource(files), (f) => features.push(f));
  return { seconds: (performance.now() - t0) / 1000, computeSeconds: pass.computeSeconds, features };
}

/**
 * The curves of `files`, read and parsed one at a time as the stream asks for them (all columns are parsed,
 * as the peer's read_csv does; only two are used). Every file is read into one reused byte buffer: a fresh
 * ~1.9 MB buffer per file was garbage that V8 collects in batches, which raised peak RSS (docs/results.md §10);
 * likewise every file is parsed into one parser's reused columns.
 */
export async function* curveFileSource(files: Iterable<string>): AsyncGenerator<CurveSamples> {
  const reader = new ReusedFileReader();
  const parser = new NumericCsvParser();
  for (const file of files) {
    const table = parser.parse(await reader.read(file), file);
    yield {
      voltage: column(table, "Voltage (V)", file),
      chargeAh: toAh(column(table, "Charge (mA.h)", file)),
    };
  }
}

/** Reads whole files into one growing buffer; a read's bytes are valid until the next read. */
export class ReusedFileReader {
  #buffer = new Uint8Array(0);
  /** Allocations of the buffer so far (one per new largest file). */
  allocations = 0;

  /** The bytes of `path`, ending in a newline (one is added when missing, so the parser never copies). */
  async read(path: string): Promise<Uint8Array> {
    using file = await Deno.open(path);
    const size = (await file.stat()).size;
    if (this.#buffer.length < size + 1) {
      this.#buffer = new Uint8Array(size + 1);
      this.allocations++;
    }
    let filled = 0;
    while (filled < size) {
      const n = await file.read(this.#buffer.subarray(filled, size));
      if (n === null) break;
      filled += n;
    }
    if (filled !== size) {
      throw new Error(`${path}: read ${filled} of ${size} bytes (file changed while read)`);
    }
    const ends = filled > 0 && this.#buffer[filled - 1] === 0x0a;
    if (!ends) this.#buffer[filled] = 0x0a;
    return this.#buffer.subarray(0, ends ? filled : filled + 1);
  }
}

/** mA·h → A·h in place. */
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
