/**
 * A histogram helper thread (see _histogram_threads.ts): attaches to a learner's shared memory, then runs
 * the kernels the control block names until told to stop. It blocks in Atomics.wait between commands, so
 * it uses no CPU while the learner partitions and scans.
 */
/// <reference lib="deno.worker" />
import { type AttachMessage, Control, CONTROL_WORDS } from "./_histogram_threads.ts";

type Kernel = (...args: number[]) => void;

self.onmessage = (event: MessageEvent<AttachMessage>) => {
  const { module, memory, control, helper, kernels } = event.data;
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
    console.error(`gbdt histogram thread ${helper + 1}:`, err);
    Atomics.store(c, Control.failed, 1);
  }
  self.close();
};

self.postMessage("ready");
