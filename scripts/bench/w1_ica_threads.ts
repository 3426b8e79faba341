/**
 * W1 on several threads (`W1T`): the 128 curve files in batches of 8 handed to Workers as they come free;
 * each Worker reads, parses and reduces its files exactly as the one-thread pass does (the same
 * `curveFileSource` and `streamIcaFeatures`), so the features are bit-identical. Workers are started and
 * warmed by an untimed pass first, like the peer's process pool (scripts/bench/peers/ica_pool_scipy.py).
 */
import type { IcaFeatures } from "../../lib/signal/mod.ts";
import type { W1Answer, W1Job } from "./_w1_ica_worker.ts";
import { w1CurveFiles } from "./w1_ica.ts";

/** Files per Worker job (the peer pool's chunksize). */
export const W1_BATCH = 8;

/** Timed passes (seconds) and the features of the last pass, in file order. */
export interface W1ThreadsResult {
  seconds: number[];
  features: IcaFeatures[];
}

/** Runs W1 end to end on `threads` Workers: one untimed pass, then `runs` timed passes. */
export async function benchW1Threads(
  opts: { dataDir: string; runs: number; threads: number },
): Promise<W1ThreadsResult> {
  const files = await w1CurveFiles(opts.dataDir);
  if (files.length !== 128) {
    throw new Error(`expected 128 curves in ${opts.dataDir}/ica, found ${files.length}`);
  }
  const workers = await startWorkers(opts.threads);
  try {
    await pass(workers, files);
    const seconds: number[] = [];
    let features: IcaFeatures[] = [];
    for (let r = 0; r < opts.runs; r++) {
      const t0 = performance.now();
      features = await pass(workers, files);
      seconds.push((performance.now() - t0) / 1000);
      console.error(`[ica ours ${opts.threads} threads] run ${r}: ${seconds[r].toFixed(3)}s`);
    }
    return { seconds, features };
  } finally {
    for (const w of workers) w.terminate();
  }
}

async function startWorkers(threads: number): Promise<Worker[]> {
  const url = new URL("./_w1_ica_worker.ts", import.meta.url);
  const workers = Array.from({ length: threads }, () => new Worker(url, { type: "module" }));
  await Promise.all(workers.map((w) => new Promise((resolve) => w.onmessage = resolve)));
  return workers;
}

/** One pass: batches go to whichever Worker is free; features come back in file order. */
function pass(workers: Worker[], files: string[]): Promise<IcaFeatures[]> {
  const batches: string[][] = [];
  for (let i = 0; i < files.length; i += W1_BATCH) batches.push(files.slice(i, i + W1_BATCH));
  const results: IcaFeatures[][] = new Array(batches.length);
  let next = 0, done = 0;
  return new Promise((resolve, reject) => {
    const give = (w: Worker) => {
      if (next < batches.length) {
        const job: W1Job = { id: next, files: batches[next++] };
        w.postMessage(job);
      }
    };
    for (const w of workers) {
      w.onmessage = (event: MessageEvent<W1Answer>) => {
        const answer = event.data;
        if ("error" in answer) return reject(new Error(`W1 worker: ${answer.error}`));
        results[answer.id] = answer.features;
        if (++done === batches.length) resolve(results.flat());
        else give(w);
      };
      give(w);
    }
  });
}
