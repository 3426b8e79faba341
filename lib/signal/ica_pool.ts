/**
 * ICA of independent curves on several threads: a pool of Workers, each running `icaFeatures` on the
 * curves it is handed (samples copied to it by structured clone; features come back). The same function
 * on the same samples gives bit-identical features on any thread (IEEE arithmetic, the same V8 Math), so
 * a pool changes only how long a batch takes (tests/lib/signal/ica_pool_test.ts checks it).
 */
import { type IcaFeatures, icaFeatures, type IcaOptions } from "./ica.ts";
import { startWorkers } from "../workers.ts";

/** A job for a Worker: one curve's samples and the ICA settings. */
export interface IcaJob {
  id: number;
  voltage: Float64Array;
  chargeAh: Float64Array;
  options: IcaOptions;
}

/** A Worker's answer: the features, or the message and name of the error ICA threw. */
export type IcaAnswer =
  | { id: number; features: IcaFeatures }
  | { id: number; error: { name: string; message: string } };

/** How long a Worker may take to load before the pool fails (ms). */
const START_TIMEOUT_MS = 60_000;

/** Workers computing ICA features; each holds at most one curve at a time. */
export class IcaWorkerPool {
  readonly #workers: Worker[];
  readonly #idle: Worker[];
  readonly #queue: { job: IcaJob; resolve: (f: IcaFeatures) => void; reject: (e: Error) => void }[] = [];
  readonly #pending = new Map<number, { resolve: (f: IcaFeatures) => void; reject: (e: Error) => void }>();
  #nextId = 0;
  #closed = false;

  private constructor(workers: Worker[]) {
    this.#workers = workers;
    this.#idle = [...workers];
    for (const w of workers) {
      w.onmessage = (event: MessageEvent<IcaAnswer>) => this.#answer(w, event.data);
      w.onerror = (event) => {
        event.preventDefault();
        this.#failAll(new Error(`ICA worker failed: ${event.message}`));
      };
    }
  }

  /** Starts `threads` Workers and waits until each has loaded. */
  static async start(threads: number): Promise<IcaWorkerPool> {
    if (!Number.isInteger(threads) || threads < 1) {
      throw new RangeError(`ICA threads = ${threads}: expected an integer ≥ 1`);
    }
    const url = new URL("./_ica_worker.ts", import.meta.url);
    const workers = await startWorkers(url, threads, "an ICA worker", START_TIMEOUT_MS);
    return new IcaWorkerPool(workers);
  }

  /** Number of Workers. */
  get threads(): number {
    return this.#workers.length;
  }

  /** The ICA features of one curve, computed on the next free Worker (the samples are copied). */
  features(
    voltage: Float64Array,
    chargeAh: Float64Array,
    options: Readonly<IcaOptions>,
  ): Promise<IcaFeatures> {
    if (this.#closed) return Promise.reject(new Error("ICA worker pool is closed"));
    return new Promise((resolve, reject) => {
      this.#queue.push({
        job: { id: this.#nextId++, voltage, chargeAh, options: { ...options } },
        resolve,
        reject,
      });
      this.#dispatch();
    });
  }

  /** Ends the Workers; curves still queued fail. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const w of this.#workers) w.terminate();
    this.#failAll(new Error("ICA worker pool closed before the curve was done"));
  }

  #dispatch(): void {
    while (this.#idle.length > 0 && this.#queue.length > 0) {
      const worker = this.#idle.pop()!, { job, resolve, reject } = this.#queue.shift()!;
      this.#pending.set(job.id, { resolve, reject });
      worker.postMessage(job);
    }
  }

  #answer(worker: Worker, answer: IcaAnswer): void {
    const waiting = this.#pending.get(answer.id);
    this.#pending.delete(answer.id);
    this.#idle.push(worker);
    if (waiting) {
      if ("features" in answer) waiting.resolve(answer.features);
      else waiting.reject(Object.assign(new Error(answer.error.message), { name: answer.error.name }));
    }
    this.#dispatch();
  }

  #failAll(err: Error): void {
    for (const { reject } of this.#pending.values()) reject(err);
    for (const { reject } of this.#queue.splice(0)) reject(err);
    this.#pending.clear();
  }
}

/**
 * ICA features of every curve in order, on `threads` Workers (1: in this thread, no Worker started).
 * Identical to mapping `icaFeatures` over the curves.
 */
export async function icaFeaturesOfCurves(
  curves: readonly { voltage: Float64Array; chargeAh: Float64Array }[],
  options: Readonly<IcaOptions>,
  threads: number,
): Promise<IcaFeatures[]> {
  if (threads === 1) {
    return curves.map((c) => icaFeatures(c.voltage, c.chargeAh, options));
  }
  const pool = await IcaWorkerPool.start(Math.min(threads, Math.max(1, curves.length)));
  try {
    return await Promise.all(curves.map((c) => pool.features(c.voltage, c.chargeAh, options)));
  } finally {
    pool.close();
  }
}
