/**
 * A histogram helper thread (see _histogram_threads.ts): attaches to a learner's shared memory, then runs
 * the kernels the control block names until told to stop. It blocks in Atomics.wait between commands, so
 * it uses no CPU while the learner partitions and scans.
 */
/// <reference lib="deno.worker" />
import { type AttachMessage, Control, CONTROL_WORDS, ERROR_BYTES } from "./_histogram_threads.ts";

type Kernel = (...args: number[]) => void;

self.onmessage = (event: MessageEvent<AttachMessage>) => {
  const { module, memory, control, errors, helper, kernels } = event.data;
  const c = new Int32Array(control, 4 * CONTROL_WORDS * helper, CONTROL_WORDS);
  try {
    const exports = new WebAssembly.Instance(module, { env: { memory } }).exports;
    const run = kernels.map((name) => exports[name] as Kernel);
    Atomics.store(c, Control.attached, 1);
    Atomics.notify(c, Control.attached);
    let seen = 0;
    for (;;) {
      Atomics.wait(c, Control.seq, seen);
      const seq = Atomics.load(c, Control.seq);
      if (seq < 0) break;
      if (seq === seen) continue;
      seen = seq;
      const a = Control.args;
      run[c[Control.kernel]](c[a], c[a + 1], c[a + 2], c[a + 3], c[a + 4], c[a + 5], c[a + 6], c[a + 7]);
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

self.postMessage("ready");
