/**
 * SIGINT (Ctrl-C) and SIGTERM as the abort signal of a run: the runner stops at the next plugin call,
 * records KILLED in the manifest and ends every tracker with KILLED. A doubled delivery of one Ctrl-C is
 * ignored; a later one exits at once (lib/interrupt_signals.ts).
 */
import {
  ECHO_WINDOW_MS,
  type InterruptSignal,
  listenForInterrupt,
  signalExitCode,
} from "../lib/interrupt_signals.ts";
import { SandboxKilled } from "./sandbox/sandbox_process.ts";

export { ECHO_WINDOW_MS };

/** The signals a run finishes as KILLED on. */
export type RunSignal = InterruptSignal;

/** The abort reason of an interrupted run; `exitCode` follows the shell's 128 + signal number. */
export class RunInterrupted extends Error {
  readonly exitCode: number;
  constructor(readonly signal: RunSignal) {
    super(`interrupted by ${signal}`);
    this.name = "RunInterrupted";
    this.exitCode = signalExitCode(signal);
  }
}

/** An AbortSignal aborted (with a RunInterrupted reason) by the first SIGINT or SIGTERM. */
export function interruptOnSignals(
  exit?: (code: number) => void,
  now?: () => number,
): { signal: AbortSignal; dispose(): void } {
  return listenForInterrupt({
    signals: ["SIGINT", "SIGTERM"],
    reason: (sig) => new RunInterrupted(sig),
    exit,
    now,
  });
}

/**
 * When `err` (or one of its causes) is a plugin sandbox ended by SIGTERM or SIGINT and the run's own
 * `signal` is not aborted yet, waits up to `graceMs` for it: a job stopped from outside (`scancel`, `kill`
 * of the process group, Ctrl-C) signals the sandbox and this process together, and the sandbox's exit can
 * be seen first. The run then ends KILLED, as it would have with the plugin in-process, not FAILED.
 */
export async function settleInterrupt(
  err: unknown,
  signal: AbortSignal | undefined,
  graceMs = 1000,
): Promise<void> {
  if (!signal || signal.aborted || !killedByStopSignal(err)) return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, graceMs);
    signal.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
}

function killedByStopSignal(err: unknown): boolean {
  for (let e = err, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) {
    if (e instanceof SandboxKilled) return e.signal === "SIGTERM" || e.signal === "SIGINT";
  }
  return false;
}
