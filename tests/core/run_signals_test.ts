import assert from "node:assert/strict";
import {
  ECHO_WINDOW_MS,
  interruptOnSignals,
  RunInterrupted,
  settleInterrupt,
} from "../../core/run_signals.ts";
import { PluginError } from "../../core/errors.ts";
import { SandboxKilled } from "../../core/sandbox/sandbox_process.ts";

/** Sends SIGTERM to this process (deno test keeps SIGINT for itself) and waits until the listeners have run. */
async function signal(seen: () => number): Promise<void> {
  const before = seen();
  Deno.kill(Deno.pid, "SIGTERM");
  for (let i = 0; i < 200 && seen() === before; i++) await new Promise((r) => setTimeout(r, 5));
}

Deno.test("one signal delivered twice (terminal group + deno task forwarding) aborts once; a later one exits (SIGTERM: 143)", async () => {
  let clock = 0, handled = 0;
  const exits: number[] = [];
  const interrupt = interruptOnSignals((code) => exits.push(code), () => clock);
  // A second listener, only to know when a signal has been handled.
  const counter = () => handled++;
  Deno.addSignalListener("SIGTERM", counter);
  try {
    await signal(() => handled);
    assert.ok(interrupt.signal.aborted);
    assert.ok(interrupt.signal.reason instanceof RunInterrupted);
    assert.equal((interrupt.signal.reason as RunInterrupted).exitCode, 143);
    clock = ECHO_WINDOW_MS / 4; // the echo of the same Ctrl-C
    await signal(() => handled);
    assert.deepEqual(exits, [], "an echo must not end the process before KILLED is recorded");
    clock = ECHO_WINDOW_MS + 1; // the user presses Ctrl-C again
    await signal(() => handled);
    assert.deepEqual(exits, [143]);
  } finally {
    Deno.removeSignalListener("SIGTERM", counter);
    interrupt.dispose();
  }
});

Deno.test("settleInterrupt: a sandbox ended by SIGTERM waits for the run's own signal; other errors do not wait", async () => {
  const killed = new PluginError("p.ts", "'p' failed", {
    cause: new SandboxKilled("SIGTERM", "killed by SIGTERM"),
  });
  // The run's handler aborts a moment after the sandbox's exit was seen: the wait ends with it, aborted.
  const a = new AbortController();
  setTimeout(() => a.abort(), 30);
  let t = performance.now();
  await settleInterrupt(killed, a.signal, 5000);
  assert.ok(a.signal.aborted && performance.now() - t < 2000, "returned when the signal aborted");
  // Nobody aborts (only the plugin's process was killed): FAILED after the grace.
  const b = new AbortController();
  t = performance.now();
  await settleInterrupt(killed, b.signal, 60);
  assert.ok(!b.signal.aborted && performance.now() - t >= 50, "waited the grace, then gave up");
  // Any other error, or SIGKILL (our own stop), returns at once.
  for (const err of [new Error("boom"), new SandboxKilled("SIGKILL", "killed by SIGKILL")]) {
    t = performance.now();
    await settleInterrupt(err, new AbortController().signal, 5000);
    assert.ok(performance.now() - t < 1000, `${(err as Error).message}: no wait`);
  }
});
