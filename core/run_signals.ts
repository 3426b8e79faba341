/**
 * SIGINT (Ctrl-C) and SIGTERM as the abort signal of a run: the runner stops at the next plugin call,
 * records KILLED in the manifest and ends every tracker with KILLED. Only the first signal is handled;
 * the listeners are then removed, so a second Ctrl-C terminates the process the default way.
 */

/** The signals a run finishes as KILLED on. */
export type RunSignal = "SIGINT" | "SIGTERM";

/** The abort reason of an interrupted run; `exitCode` follows the shell's 128 + signal number. */
export class RunInterrupted extends Error {
  readonly exitCode: number;
  constructor(readonly signal: RunSignal) {
    super(`interrupted by ${signal}`);
    this.name = "RunInterrupted";
    this.exitCode = signal === "SIGINT" ? 130 : 143;
  }
}

/** An AbortSignal aborted (with a RunInterrupted reason) by the first SIGINT or SIGTERM. */
export function interruptOnSignals(): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const handlers = new Map<RunSignal, () => void>();
  const dispose = () => {
    for (const [sig, handler] of handlers) {
      try {
        Deno.removeSignalListener(sig, handler);
      } catch { /* already removed */ }
    }
    handlers.clear();
  };
  for (const sig of ["SIGINT", "SIGTERM"] as const) {
    const handler = () => {
      dispose();
      controller.abort(new RunInterrupted(sig));
    };
    try {
      Deno.addSignalListener(sig, handler);
      handlers.set(sig, handler);
    } catch { /* no signals on this platform: the run cannot be interrupted cleanly */ }
  }
  return { signal: controller.signal, dispose };
}
