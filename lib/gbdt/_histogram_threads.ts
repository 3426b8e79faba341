/**
 * Helper threads for histogram builds: Workers that build the histogram slots of their own block of
 * features while the calling thread builds the first block. Each slot belongs to exactly one feature, and
 * every thread adds a leaf's rows in the same order as the single-thread kernel, so the sums are
 * bit-identical to a one-thread build (tests/lib/gbdt/threads_test.ts).
 *
 * A helper works in a private copy of the learner's workspace (a `Mirror`: same layout, same byte
 * addresses), not in a shared memory: this Deno runs WebAssembly with explicit bounds checks, and on a
 * shared memory each check reloads the memory's size, which made every kernel of the learner ~16 % slower
 * (W2 root histogram 1.08 → 1.25 ms, partition 0.167 → 0.179 ms). What a helper needs of a round — the
 * gradients once, the feature list when it changes, the leaf's row indices — goes through an exchange
 * buffer (a SharedArrayBuffer, bulk copies only), and each helper copies its block's slots back the same way.
 * (A shared `WebAssembly.Memory` is still accepted, as before: the helper then runs in it directly.)
 *
 * Commands go through a shared control block with Atomics. A helper polls for its next command for a while
 * before it sleeps, and the caller notifies only a sleeping helper: waking a sleeping thread took ~0.25 ms
 * per build on this machine, longer than the half of a build it saved.
 * Workers start asynchronously (their module loads through the caller's event loop): `start` is awaited
 * once per training run, `close` ends them.
 */
import { startWorkers } from "../workers.ts";

/** Int32 words of one helper's control block (128 bytes: helpers never share a cache line). */
export const CONTROL_WORDS = 32;
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
  /** 1 while the helper sleeps in Atomics.wait (a command must then notify it); 0 while it polls. */
  sleeping: 14,
  /** Mirror: 1 when the exchange holds gradients the helper has not copied yet. */
  newGradients: 15,
  /** Mirror: entries of the feature list the helper must copy first (0: unchanged). */
  newFeatureList: 16,
  /** Mirror: the byte range [rowsFrom, rowsTo) of the row indices to copy before the kernel runs. */
  rowsFrom: 17,
  rowsTo: 18,
  /** Mirror: the byte range [outputFrom, outputTo) the helper zeroes, fills and copies to its output. */
  outputFrom: 19,
  outputTo: 20,
  /** The last command counter claimed, by the helper or by the caller (see `finish`). */
  taken: 21,
} as const;

/**
 * Claims command `seq` in control block `c` for the calling thread; false when the other side has it. The
 * counter only grows and every command is claimed before the next is dispatched, so one CAS decides.
 */
export function claim(c: Int32Array, at: number, seq: number): boolean {
  for (;;) {
    const taken = Atomics.load(c, at);
    if (taken >= seq) return false;
    if (Atomics.compareExchange(c, at, taken, seq) === taken) return true;
  }
}

/** Bytes of one helper's slot in the shared error buffer: its error message, UTF-8, cut to fit. */
export const ERROR_BYTES = 1024;

/** The layout of a learner's workspace a helper copies (byte addresses in the learner's memory). */
export interface Mirror {
  /** Pages of the learner's memory (the helper's copy has as many). */
  pages: number;
  rows: number;
  /** The row records as built (bins; the gradient doubles are rewritten every round). */
  records: Uint8Array;
  recordsAt: number;
  recordBytes: number;
  gradientsAt: number;
  indicesAt: number;
  featureListAt: number;
  /** Feature list entries (two int32 each) at most. */
  featureListEntries: number;
  /** Bytes of one histogram: the most a helper's output can hold. */
  histogramBytes: number;
}

/** The exchange buffer of a mirrored workspace: regions every helper reads, then one output per helper. */
export interface Exchange {
  buffer: SharedArrayBuffer;
  gradients: Float64Array;
  indices: Int32Array;
  featureList: Int32Array;
  outputs: Uint8Array[];
}

/** What a helper receives to attach: the module and memory, its control block, the kernels it may run. */
export interface AttachMessage {
  module: WebAssembly.Module;
  /** A shared memory to run in, or the workspace to copy and the exchange buffer (see `Mirror`). */
  memory: WebAssembly.Memory | { mirror: Mirror; exchange: SharedArrayBuffer; helpers: number };
  control: SharedArrayBuffer;
  /** Where a helper leaves its error message: the caller's thread is blocked in Atomics, not reading messages. */
  errors: SharedArrayBuffer;
  helper: number;
  kernels: string[];
}

/** The exchange regions for `mirror` and `helpers` helpers, in `buffer` (a new one when omitted). */
export function exchangeOf(mirror: Mirror, helpers: number, buffer?: SharedArrayBuffer): Exchange {
  const n = mirror.rows, list = 2 * mirror.featureListEntries, out = mirror.histogramBytes;
  const listAt = 12 * n, outputsAt = Math.ceil((listAt + 4 * list) / 64) * 64;
  const stride = Math.ceil(out / 64) * 64;
  buffer ??= new SharedArrayBuffer(outputsAt + stride * helpers);
  return {
    buffer,
    gradients: new Float64Array(buffer, 0, n),
    indices: new Int32Array(buffer, 8 * n, n),
    featureList: new Int32Array(buffer, listAt, list),
    outputs: Array.from({ length: helpers }, (_, k) => new Uint8Array(buffer, outputsAt + k * stride, out)),
  };
}

/** How long a helper may take to start or to attach before training fails (ms). */
const START_TIMEOUT_MS = 60_000;
/** How long the caller polls a helper's `done` before it sleeps on it (ms; half a build takes ~0.05–0.5). */
const FINISH_SPIN_MS = 2;
/**
 * After this many builds in a row where a helper had not started its block in time (the machine's cores
 * are busy elsewhere), the next BUILDS_ALONE builds run on the calling thread alone: each late block costs
 * this thread a second gather of the leaf's rows, and a spinning helper takes CPU from it.
 */
const LATE_STREAK = 4;
const BUILDS_ALONE = 64;

/** A pool of helper Workers for one training run. */
export class HistogramThreads {
  readonly #workers: Worker[];
  readonly #control: Int32Array;
  readonly #errors: Uint8Array;
  #seq = 0;
  #attached = false;
  #exchange: Exchange | undefined;
  /** Per helper: whether the gradients / feature list in the exchange are newer than its copy. */
  #staleGradients: boolean[];
  #staleFeatureList: number[];
  /** Builds in a row in which some helper was late; builds still to run alone. */
  #lateStreak = 0;
  #alone = 0;

  private constructor(workers: Worker[]) {
    this.#workers = workers;
    this.#control = new Int32Array(new SharedArrayBuffer(4 * CONTROL_WORDS * workers.length));
    this.#errors = new Uint8Array(new SharedArrayBuffer(ERROR_BYTES * workers.length));
    this.#staleGradients = workers.map(() => false);
    this.#staleFeatureList = workers.map(() => 0);
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

  /**
   * Attaches every helper to the kernels of `module` named in `kernels`, run in `memory` when it is
   * shared, or in each helper's private copy of the workspace `memory` describes.
   */
  attach(module: WebAssembly.Module, memory: WebAssembly.Memory | Mirror, kernels: string[]): void {
    if (this.#attached) throw new Error("gbdt: histogram threads are already attached to a workspace");
    let target: AttachMessage["memory"];
    if (memory instanceof WebAssembly.Memory) {
      target = memory;
    } else {
      this.#exchange = exchangeOf(memory, this.helpers);
      target = { mirror: memory, exchange: this.#exchange.buffer, helpers: this.helpers };
    }
    this.#workers.forEach((w, helper) => {
      const message: AttachMessage = {
        module,
        memory: target,
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

  /**
   * Whether the next build should use the helpers: false for a while after helpers kept being late (see
   * LATE_STREAK); only speed depends on it, never the sums.
   */
  worthDispatching(): boolean {
    if (this.#alone === 0) return true;
    this.#alone--;
    return false;
  }

  /** Wakes sleeping helpers ahead of the next builds (waking takes longer than the preparations before them). */
  wake(): void {
    if (this.#alone > 0) return;
    for (let k = 0; k < this.helpers; k++) {
      const base = k * CONTROL_WORDS;
      if (Atomics.load(this.#control, base + Control.sleeping) === 1) {
        Atomics.notify(this.#control, base + Control.seq);
      }
    }
  }

  /** Mirror: the round's gradients, copied by each helper before its next command. */
  shareGradients(gradients: Float64Array): void {
    this.#mirrored().gradients.set(gradients);
    this.#staleGradients.fill(true);
  }

  /** Mirror: the feature list's first `entries` entries, copied by each helper before its next command. */
  shareFeatureList(list: Int32Array, entries: number): void {
    this.#mirrored().featureList.set(list.subarray(0, 2 * entries));
    this.#staleFeatureList.fill(entries);
  }

  /** Mirror: indices[begin .. begin + count) of the workspace, for the commands that follow. */
  shareRows(indices: Int32Array, begin: number, count: number): void {
    this.#mirrored().indices.set(indices.subarray(begin, begin + count), begin);
  }

  /** Mirror: what helper `k` copied out of its workspace in its last command. */
  output(k: number): Uint8Array {
    return this.#mirrored().outputs[k];
  }

  /**
   * Tells helper `k` to run kernel `kernel` with `args` (returns at once; `finish` waits for it). With a
   * mirror, `rows` is the byte range of shared row indices it copies first, `output` the byte range of its
   * workspace it zeroes before and copies to `output(k)` after.
   */
  dispatch(
    k: number,
    kernel: number,
    args: readonly number[],
    rows: readonly [number, number] = [0, 0],
    output: readonly [number, number] = [0, 0],
  ): void {
    const c = this.#control, base = k * CONTROL_WORDS;
    c[base + Control.kernel] = kernel;
    for (let i = 0; i < args.length; i++) c[base + Control.args + i] = args[i];
    c[base + Control.newGradients] = this.#staleGradients[k] ? 1 : 0;
    c[base + Control.newFeatureList] = this.#staleFeatureList[k];
    this.#staleGradients[k] = false;
    this.#staleFeatureList[k] = 0;
    c[base + Control.rowsFrom] = rows[0];
    c[base + Control.rowsTo] = rows[1];
    c[base + Control.outputFrom] = output[0];
    c[base + Control.outputTo] = output[1];
    // The seq-cst store publishes the arguments (and the exchange's contents) before the helper reads them.
    Atomics.store(c, base + Control.seq, this.#seq + 1);
    // A polling helper sees the store; only a sleeping one needs the (slow) wake-up. The helper raises
    // `sleeping` before it re-checks `seq` in Atomics.wait, so one of the two sees the other's store.
    if (Atomics.load(c, base + Control.sleeping) === 1) Atomics.notify(c, base + Control.seq);
  }

  /**
   * Waits until helpers 0..count−1 have finished the commands dispatched since the last `finish`. With
   * `runHere`, a command no helper has started yet (asleep, or not given a core) is claimed and run by
   * `runHere(k)` on this thread instead of being waited for. Returns, per helper, whether it ran its own.
   */
  finish(count: number, runHere?: (k: number) => void): boolean[] {
    const seq = ++this.#seq, c = this.#control, ranThere: boolean[] = [];
    for (let k = 0; k < count; k++) {
      const base = k * CONTROL_WORDS;
      if (runHere && claim(c, base + Control.taken, seq)) {
        // The helper will skip it: what it was to copy in first stays pending for its next command.
        if (c[base + Control.newGradients] === 1) this.#staleGradients[k] = true;
        if (c[base + Control.newFeatureList] > 0) {
          this.#staleFeatureList[k] = c[base + Control.newFeatureList];
        }
        runHere(k);
        ranThere.push(false);
        continue;
      }
      ranThere.push(true);
      const at = base + Control.done;
      const until = performance.now() + FINISH_SPIN_MS;
      let polls = 0;
      while (Atomics.load(c, at) !== seq) {
        this.#throwIfFailed(k);
        if ((++polls & 63) === 0 && performance.now() > until) Atomics.wait(c, at, Atomics.load(c, at), 1);
        else Atomics.pause();
      }
    }
    this.#lateStreak = ranThere.every((ran) => ran) ? 0 : this.#lateStreak + 1;
    if (this.#lateStreak >= LATE_STREAK) {
      this.#lateStreak = 0;
      this.#alone = BUILDS_ALONE;
    }
    return ranThere;
  }

  /** Stops the helpers and ends their Workers; the pool cannot be used afterwards. */
  close(): void {
    for (let k = 0; k < this.helpers; k++) {
      Atomics.store(this.#control, k * CONTROL_WORDS + Control.seq, -1);
      Atomics.notify(this.#control, k * CONTROL_WORDS + Control.seq);
    }
    for (const w of this.#workers) w.terminate();
  }

  #mirrored(): Exchange {
    if (!this.#exchange) throw new Error("gbdt: histogram threads are not attached to a mirrored workspace");
    return this.#exchange;
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
