/**
 * One W1 pass over N curves in a process of its own, for the ICA scaling series: peak RSS is a process's
 * high-water mark, so every size gets a fresh process (measured around it by peak_rss.ts). Curve k is the kit's `ica/curve_{k mod 128}.csv`
 * (the kit ships 128; larger sets cycle through them, each file read and parsed anew). An untimed warm-up
 * over 16 curves (JIT, page cache), then one timed pass; prints one JSON line.
 *
 * Run: deno run --v8-flags=--single-threaded --allow-read --allow-env scripts/bench/w1_ica_stream.ts --count N
 */
import { streamIcaFeatures } from "../../lib/signal/mod.ts";
import { benchDataDir, curveFileSource, w1CurveFiles } from "./w1_ica.ts";

/** Curves of the warm-up pass. */
export const WARMUP_CURVES = 16;

/** The files of an N-curve set: the kit's curves in order, cycled. */
export function cycledFiles(files: readonly string[], count: number): string[] {
  if (files.length === 0) throw new Error("no curve files to cycle through");
  return Array.from({ length: count }, (_, k) => files[k % files.length]);
}

/** What one streamed pass measured. */
export interface StreamPass {
  curves: number;
  seconds: number;
  compute_seconds: number;
  peak_live_curves: number;
  mean_total_area_ah: number;
}

/** Warm-up, then one timed streamed pass over `count` curves of `dataDir`. */
export async function streamPass(dataDir: string, count: number): Promise<StreamPass> {
  const files = await w1CurveFiles(dataDir);
  await streamIcaFeatures(curveFileSource(cycledFiles(files, WARMUP_CURVES)), () => {});
  let areaSum = 0;
  const t0 = performance.now();
  const pass = await streamIcaFeatures(curveFileSource(cycledFiles(files, count)), (f) => {
    areaSum += f.total_area_ah;
  });
  const seconds = (performance.now() - t0) / 1000;
  return {
    curves: pass.curves,
    seconds,
    compute_seconds: pass.computeSeconds,
    peak_live_curves: pass.peakLiveCurves,
    mean_total_area_ah: areaSum / pass.curves,
  };
}

if (import.meta.main) {
  const at = Deno.args.indexOf("--count");
  const count = at >= 0 ? Number(Deno.args[at + 1]) : NaN;
  if (!Number.isInteger(count) || count < 1) {
    console.error("error: --count must be a positive integer");
    Deno.exit(2);
  }
  console.log(JSON.stringify(await streamPass(benchDataDir(), count)));
}
