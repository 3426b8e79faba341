/**
 * Interruption signals (Ctrl-C, SIGTERM) as one AbortSignal, shared by the run (core/run_signals.ts) and the
 * trainer (lib/train/_interrupt.ts). One Ctrl-C can arrive twice: the terminal signals the whole process group
 * and `deno task` forwards the signal to its child as well. So the listeners stay installed until disposed (a
 * removed listener would let the echo end the process before the interruption is recorded or the checkpoint
 * written); repeats within ECHO_WINDOW_MS are that echo and are ignored, and a later one means the user
 * insists: the process exits at once with the shell's code (128 + signal number).
 */

/** Signals within this many milliseconds of the first are the same interruption delivered twice. */
export const ECHO_WINDOW_MS = 2000;

/** The signals an interruption listens for. */
export type InterruptSignal = "SIGINT" | "SIGTERM";

/** The shell's exit code for a process ended by `signal` (128 + its number). */
export function signalExitCode(signal: InterruptSignal): number {
  return signal === "SIGINT" ? 130 : 143;
}

/** Options: which signals, the abort reason per signal, and (for tests) the exit and clock. */
export interface InterruptOptions {
  signals: readonly InterruptSignal[];
  reason: (signal: InterruptSignal) => Error;
  exit?: (code: number) => void;
  now?: () => number;
}

/** An AbortSignal aborted by the first of `signals`; `dispose()` removes the listeners. */
export function listenForInterrupt(o: InterruptOptions): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const exit = o.exit ?? ((code: number) => Deno.exit(code));
  const now = o.now ?? Date.now;
  const handlers = new Map<InterruptSignal, () => void>();
  let firstAt: number | undefined;
  const onSignal = (sig: InterruptSignal) => {
    if (firstAt === undefined) {
      firstAt = now();
      controller.abort(o.reason(sig));
    } else if (now() - firstAt > ECHO_WINDOW_MS) {
      exit(signalExitCode(sig));
    }
  };
  for (const sig of o.signals) {
    const handler = () => onSignal(sig);
    try {
      Deno.addSignalListener(sig, handler);
      handlers.set(sig, handler);
    } catch { /* no signals on this platform: the work cannot be interrupted cleanly */ }
  }
  const dispose = () => {
    for (const [sig, handler] of handlers) {
      try {
        Deno.removeSignalListener(sig, handler);
      } catch { /* already removed */ }
    }
    handlers.clear();
  };
  return { signal: controller.signal, dispose };
}
