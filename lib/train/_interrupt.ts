/**
 * Ctrl-C as an AbortSignal: the trainer checks the signal between batches, saves a checkpoint and stops,
 * so `--resume` continues exactly where it was. A doubled delivery of one Ctrl-C is ignored so the checkpoint
 * gets written; a later Ctrl-C exits at once (lib/interrupt_signals.ts).
 */
import { listenForInterrupt } from "../interrupt_signals.ts";

/** An AbortSignal aborted by the first SIGINT; `dispose()` removes the listener. */
export function interruptSignal(now?: () => number): { signal: AbortSignal; dispose(): void } {
  return listenForInterrupt({
    signals: ["SIGINT"],
    reason: () => new TrainingInterrupted("interrupted (SIGINT)"),
    now,
  });
}

/** Thrown by the trainer after an interruption; the checkpoint (when configured) is already written. */
export class TrainingInterrupted extends Error {
  constructor(message: string, readonly checkpointDir?: string) {
    super(message);
    this.name = "TrainingInterrupted";
  }
}
