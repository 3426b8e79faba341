/**
 * SIGINT (Ctrl-C) and SIGTERM as the abort signal of a run: the runner stops at the next plugin call,
 * records KILLED in the manifest and ends every tracker with KILLED. One Ctrl-C can arrive twice: the
 * terminal signals the whole process group and `deno task` forwards the signal to the CLI as well. So the
 * listeners stay installed while the run ends (a removed listener would let the echo kill the process before
 * KILLED is recorded); repeats within a short window are that echo and are ignored, and a later one means
 * the user insists: the process exits at once, the default way.
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

/** Signals within this many milliseconds of the first are the same interruption delivered twice. */
export const ECHO_WINDOW_MS = 2000;

/** An AbortSignal aborted (with a RunInterrupted reason) by the first SIGINT or SIGTERM. */
export function interruptOnSignals(
  exit: (code: number) => void = (code) => Deno.exit(code),
  now: () => number = Date.now,
): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const handlers = new Map<RunSignal, () => void>();
  let firstAt: number | undefined;
  const dispose = () => {
    for (const [sig, handler] of handlers) {
      try {
        Deno.removeSignalListener(sig, handler);
      } catch { /* already removed */ }
    }
    handlers.clear();
  };
  const onSignal = (sig: RunSignal) => {
    if (firstAt === undefined) {
      firstAt = now();
      controller.abort(new RunInterrupted(sig));
    } else if (now() - firstAt > ECHO_WINDOW_MS) {
      exit(new RunInterrupted(sig).exitCode);
    }
  };
  for (const sig of ["SIGINT", "SIGTERM"] as const) {
    const handler = () => onSignal(sig);
    try {
      Deno.addSignalListener(sig, handler);
      handlers.set(sig, handler);
    } catch { /* no signals on this platform: the run cannot be interrupted cleanly */ }
  }
  return { signal: controller.signal, dispose };
}
