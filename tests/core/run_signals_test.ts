import assert from "node:assert/strict";
import { ECHO_WINDOW_MS, interruptOnSignals, RunInterrupted } from "../../core/run_signals.ts";

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
