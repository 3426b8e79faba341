/**
 * Ctrl-C as an AbortSignal: the trainer checks the signal between batches, saves a checkpoint and stops,
 * so `--resume` continues exactly where it was. One Ctrl-C can arrive twice (the terminal signals the process
 * group and `deno task` forwards it): repeats within two seconds are ignored so the checkpoint gets written; a
 * later Ctrl-C means the user insists, and the process exits at once (130).
 */

/** An AbortSignal aborted by the first SIGINT; `dispose()` removes the listener. */
export function interruptSignal(now: () => number = Date.now): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  let firstAt: number | undefined;
  const onSigint = () => {
    if (firstAt === undefined) {
      firstAt = now();
      controller.abort(new TrainingInterrupted("interrupted (SIGINT)"));
    } else if (now() - firstAt > 2000) Deno.exit(130);
  };
  let installed = false;
  const dispose = () => {
    if (!installed) return;
    installed = false;
    try {
      Deno.removeSignalListener("SIGINT", onSigint);
    } catch { /* already gone */ }
  };
  try {
    Deno.addSignalListener("SIGINT", onSigint);
    installed = true;
  } catch { /* no signal support on this platform: training just cannot be interrupted cleanly */ }
  return { signal: controller.signal, dispose };
}

/** Thrown by the trainer after an interruption; the checkpoint (when configured) is already written. */
export class TrainingInterrupted extends Error {
  constructor(message: string, readonly checkpointDir?: string) {
    super(message);
    this.name = "TrainingInterrupted";
  }
}
