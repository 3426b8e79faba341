/**
 * A histogram helper thread (see _histogram_threads.ts): attaches to a learner's shared memory or builds its
 * own copy of the learner's workspace, then runs the kernels the control block names until told to stop.
 * Between commands it polls for a while (the next build usually follows within a millisecond), then sleeps
 * in Atomics.wait, so it uses no CPU while the learner is idle.
 */
/// <reference lib="deno.worker" />
import {
  type AttachMessage,
  claim,
  Control,
  CONTROL_WORDS,
  ERROR_BYTES,
  type Exchange,
  exchangeOf,
  type Mirror,
} from "./_histogram_threads.ts";

type Kernel = (...args: number[]) => void;

/** How long a helper polls for its next command before it sleeps (ms): most gaps between builds are shorter. */
const SPIN_MS = 2;
/** The same after a command the caller had to run itself because this thread started it too late (ms). */
const LATE_SPIN_MS = 0.1;

self.onmessage = (event: MessageEvent<AttachMessage>) => {
  const { module, memory, control, errors, helper, kernels } = event.data;
  const c = new Int32Array(control, 4 * CONTROL_WORDS * helper, CONTROL_WORDS);
  try {
    const copy = memory instanceof WebAssembly.Memory ? undefined : new MirroredWorkspace(memory, helper);
    const own = memory instanceof WebAssembly.Memory ? memory : copy!.memory;
    const exports = new WebAssembly.Instance(module, { env: { memory: own } }).exports;
    const run = kernels.map((name) => exports[name] as Kernel);
    Atomics.store(c, Control.attached, 1);
    Atomics.notify(c, Control.attached);
    let seen = 0, spinMs = SPIN_MS;
    for (;;) {
      const seq = nextCommand(c, seen, spinMs);
      if (seq < 0) break;
      seen = seq;
      // The caller runs a command itself when it finds it unclaimed (this thread was asleep or off-core).
      if (!claim(c, Control.taken, seq)) {
        // Too late: this thread is not getting a core when it needs one; poll less and leave it the CPU.
        spinMs = LATE_SPIN_MS;
        continue;
      }
      spinMs = SPIN_MS;
      copy?.before(c);
      const a = Control.args;
      run[c[Control.kernel]](c[a], c[a + 1], c[a + 2], c[a + 3], c[a + 4], c[a + 5], c[a + 6], c[a + 7]);
      copy?.after(c);
      Atomics.store(c, Control.done, seq);
      Atomics.notify(c, Control.done);
    }
  } catch (err) {
    // The caller is blocked in Atomics (it reads no messages): leave the error text in shared memory.
    const text = new TextEncoder().encode(err instanceof Error ? `${err.name}: ${err.message}` : String(err));
    const length = Math.min(text.length, ERROR_BYTES);
    new Uint8Array(errors, ERROR_BYTES * helper, ERROR_BYTES).set(text.subarray(0, length));
    c[Control.errorLength] = length;
    Atomics.store(c, Control.failed, 1);
  }
  self.close();
};

/** The helper's private copy of a learner's workspace: same layout, kept current through the exchange. */
class MirroredWorkspace {
  readonly memory: WebAssembly.Memory;
  readonly #mirror: Mirror;
  readonly #exchange: Exchange;
  readonly #output: Uint8Array;
  readonly #bytes: Uint8Array;
  readonly #recordDoubles: Float64Array;

  constructor(target: { mirror: Mirror; exchange: SharedArrayBuffer; helpers: number }, helper: number) {
    const m = target.mirror;
    this.#mirror = m;
    this.#exchange = exchangeOf(m, target.helpers, target.exchange);
    this.#output = this.#exchange.outputs[helper];
    this.memory = new WebAssembly.Memory({ initial: m.pages });
    this.#bytes = new Uint8Array(this.memory.buffer);
    this.#bytes.set(m.records, m.recordsAt);
    this.#recordDoubles = new Float64Array(this.memory.buffer, m.recordsAt, (m.rows * m.recordBytes) / 8);
  }

  /** Copies in what changed since the last command and zeroes the slots the kernel will fill. */
  before(c: Int32Array): void {
    const m = this.#mirror, ex = this.#exchange;
    if (c[Control.newGradients] === 1) this.#storeGradients(ex.gradients);
    const entries = c[Control.newFeatureList];
    if (entries > 0) {
      new Int32Array(this.memory.buffer, m.featureListAt, 2 * entries).set(
        ex.featureList.subarray(0, 2 * entries),
      );
    }
    const from = c[Control.rowsFrom], to = c[Control.rowsTo];
    if (to > from) {
      const first = (from - m.indicesAt) / 4;
      this.#bytes.set(new Uint8Array(ex.buffer, ex.indices.byteOffset + 4 * first, to - from), from);
    }
    this.#bytes.fill(0, c[Control.outputFrom], c[Control.outputTo]);
  }

  /** Copies the filled slots to this helper's output. */
  after(c: Int32Array): void {
    const from = c[Control.outputFrom], to = c[Control.outputTo];
    this.#output.set(this.#bytes.subarray(from, to));
  }

  /** The gradients into the records, where the kernels read them (as LearnerWorkspace.storeGradients). */
  #storeGradients(grad: Float64Array): void {
    const records = this.#recordDoubles, stride = this.#mirror.recordBytes / 8, last = stride - 1;
    for (let i = 0; i < grad.length; i++) records[i * stride + last] = grad[i];
  }
}

/**
 * The command counter after `seen`: polled for up to SPIN_MS, because waking a sleeping thread through
 * Atomics.notify took ~1 ms on this machine (0.25 ms under load), longer than half a build; then slept in
 * Atomics.wait after raising `sleeping` (the caller then notifies). A wake-up without a command (the
 * caller's `wake`, ahead of the next builds) starts another polling period.
 */
function nextCommand(c: Int32Array, seen: number, spinMs: number): number {
  for (;;) {
    const until = performance.now() + spinMs;
    for (let polls = 1;; polls++) {
      const seq = Atomics.load(c, Control.seq);
      if (seq !== seen) return seq;
      if ((polls & 63) === 0 && performance.now() > until) break;
      Atomics.pause();
    }
    Atomics.store(c, Control.sleeping, 1);
    Atomics.wait(c, Control.seq, seen);
    Atomics.store(c, Control.sleeping, 0);
  }
}

self.postMessage("ready");
