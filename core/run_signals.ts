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
