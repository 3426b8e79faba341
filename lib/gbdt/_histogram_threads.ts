/**
 * Helper threads for histogram builds: Workers that share the learner's WebAssembly memory and build the
 * histogram slots of their own block of features while the calling thread builds the first block. Each
 * slot belongs to exactly one feature, and every thread adds a leaf's rows in the same order as the
 * single-thread kernel, so the sums are bit-identical to a one-thread build (tests/lib/gbdt/threads_test.ts).
 *
 * Commands go through a shared control block with Atomics (a round trip is ~20–35 µs on this machine, where
 * a postMessage would be an event-loop turn on both sides), so builds stay synchronous for the learner.
 * Workers start asynchronously (their module loads through the caller's event loop): `start` is awaited
 * once per training run, `close` ends them.
 */
import { startWorkers } from "../workers.ts";

/** Int32 words of one helper's control block. */
export const CONTROL_WORDS = 16;
/** Word indices in a control block. */
export const Control = {
  /** Command counter: the helper runs a command when it changes; −1 tells it to stop. */
  seq: 0,
  /** The last command counter the helper finished. */
  done: 1,
  /** 1 while the helper is attached to a workspace's memory. */
  attached: 2,
  /** 1 when a command threw (the helper then stops). */
  failed: 3,
  /** Index of the kernel to run (in the `kernels` list of the attach message). */
  kernel: 4,
  /** First of the kernel's (up to 8) integer arguments (words 5–12). */
  args: 5,
  /** Bytes of the helper's error message in its slot of the error buffer (set before `failed`). */
  errorLength: 13,
} as const;

/** Bytes of one helper's slot in the shared error buffer: its error message, UTF-8, cut to fit. */
export const ERROR_BYTES = 1024;

/** What a helper receives to attach: the module and memory, its control block, the kernels it may run. */
export interface AttachMessage {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  control: SharedArrayBuffer;
  /** Where a helper leaves its error message: the caller's thread is blocked in Atomics, not reading messages. */
  errors: SharedArrayBuffer;
  helper: number;
  kernels: string[];
}

/** How long a helper may take to start or to attach before training fails (ms). */
const START_TIMEOUT_MS = 60_000;
/** Polls of `done` before the caller sleeps on it (a build of the helper's half takes tens of µs). */
const SPINS = 4000;

/** A pool of helper Workers for one training run. */
export class HistogramThreads {
  readonly #workers: Worker[];
  readonly #control: Int32Array;
  readonly #errors: Uint8Array;
  #seq = 0;
  #attached = false;

  private constructor(workers: Worker[]) {
    this.#workers = workers;
    this.#control = new Int32Array(new SharedArrayBuffer(4 * CONTROL_WORDS * workers.length));
    this.#errors = new Uint8Array(new SharedArrayBuffer(ERROR_BYTES * workers.length));
  }

  /** Starts `helpers` Workers and waits until each has loaded its module. */
  static async start(helpers: number): Promise<HistogramThreads> {
    if (!Number.isInteger(helpers) || helpers < 1) {
      throw new RangeError(`gbdt: helper threads = ${helpers}: expected an integer ≥ 1`);
    }
    const url = new URL("./_histogram_worker.ts", import.meta.url);
    const workers = await startWorkers(url, helpers, "gbdt: a histogram thread", START_TIMEOUT_MS);
    return new HistogramThreads(workers);
  }

  /** Number of helper threads (the caller's own thread not counted). */
  get helpers(): number {
    return this.#workers.length;
  }

  /** Attaches every helper to `memory` (shared) and the kernels of `module` named in `kernels`. */
  attach(module: WebAssembly.Module, memory: WebAssembly.Memory, kernels: string[]): void {
    if (this.#attached) throw new Error("gbdt: histogram threads are already attached to a workspace");
    this.#workers.forEach((w, helper) => {
      const message: AttachMessage = {
        module,
        memory,
        control: this.#control.buffer as SharedArrayBuffer,
        errors: this.#errors.buffer as SharedArrayBuffer,
        helper,
        kernels,
      };
      w.postMessage(message);
    });
    const deadline = performance.now() + START_TIMEOUT_MS;
    for (let k = 0; k < this.helpers; k++) {
      const at = k * CONTROL_WORDS + Control.attached;
      while (Atomics.load(this.#control, at) !== 1) {
        this.#throwIfFailed(k);
        if (performance.now() > deadline) throw new Error(`gbdt: histogram thread ${k + 1} did not attach`);
        Atomics.wait(this.#control, at, 0, 50);
      }
    }
    this.#attached = true;
  }

  /** Tells helper `k` to run kernel `kernel` with `args` (returns at once; `finish` waits for it). */
  dispatch(k: number, kernel: number, args: readonly number[]): void {
    const c = this.#control, base = k * CONTROL_WORDS;
    c[base + Control.kernel] = kernel;
    for (let i = 0; i < args.length; i++) c[base + Control.args + i] = args[i];
    // The seq-cst store publishes the arguments (and the caller's zeroed slots) before the helper reads them.
    Atomics.store(c, base + Control.seq, this.#seq + 1);
    Atomics.notify(c, base + Control.seq);
  }

  /** Waits until helpers 0..count−1 have finished the commands dispatched since the last `finish`. */
  finish(count: number): void {
    const seq = ++this.#seq, c = this.#control;
    for (let k = 0; k < count; k++) {
      const at = k * CONTROL_WORDS + Control.done;
      let spins = 0;
      while (Atomics.load(c, at) !== seq) {
        this.#throwIfFailed(k);
        if (++spins > SPINS) Atomics.wait(c, at, Atomics.load(c, at), 1);
      }
    }
  }

  /** Stops the helpers and ends their Workers; the pool cannot be used afterwards. */
  close(): void {
    for (let k = 0; k < this.helpers; k++) {
      Atomics.store(this.#control, k * CONTROL_WORDS + Control.seq, -1);
      Atomics.notify(this.#control, k * CONTROL_WORDS + Control.seq);
    }
    for (const w of this.#workers) w.terminate();
  }

  #throwIfFailed(k: number): void {
    const base = k * CONTROL_WORDS;
    if (Atomics.load(this.#control, base + Control.failed) === 1) {
      const length = this.#control[base + Control.errorLength];
      // TextDecoder does not read shared memory: copy the helper's bytes out first.
      const bytes = this.#errors.slice(k * ERROR_BYTES, k * ERROR_BYTES + length);
      throw new Error(`gbdt: histogram thread ${k + 1} failed: ${new TextDecoder().decode(bytes)}`);
    }
  }
}
