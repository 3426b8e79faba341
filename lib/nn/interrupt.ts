/**
 * Ctrl-C as an AbortSignal: the trainer checks the signal between batches, saves a checkpoint and stops,
 * so `--resume` continues exactly where it was. A second Ctrl-C is left to Deno's default (exit).
 */

/** An AbortSignal aborted by the first SIGINT; `dispose()` removes the listener. */
export function interruptSignal(): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const onSigint = () => {
    controller.abort(new TrainingInterrupted("interrupted (SIGINT)"));
    // Uninstall now so a second Ctrl-C terminates the process the normal way.
    dispose();
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
