/**
 * The local executor: N workers, each running one point's process at a time until none is left, with a
 * progress line (points done of the total, rate, ETA). A stop request (the `cancel` file that
 * `batteryml sweep cancel` writes) stops handing out points and sends SIGTERM to the running ones, which
 * record KILLED and are run again when the sweep resumes.
 */
import { dirname } from "node:path";
import type { ProgressSink } from "../progress.ts";

/** A started point process. */
export interface StartedPoint {
  /** Resolves with the exit code. */
  done: Promise<number>;
  /** Asks it to stop (SIGTERM). */
  stop(): void;
}

/** Settings of a pool run. */
export interface PoolOptions {
  workers: number;
  start(index: number): StartedPoint;
  progress: ProgressSink;
  /** Polled every `pollMs`: true stops the pool. */
  stopRequested(): Promise<boolean>;
  pollMs?: number;
  /** Called as each point ends (its exit code). */
  onEnd?(index: number, code: number): void;
}

/** What the pool did. */
export interface PoolResult {
  codes: Map<number, number>;
  stopped: boolean;
}

/** Runs `indices` on `workers` parallel processes. */
export async function runPool(indices: readonly number[], o: PoolOptions): Promise<PoolResult> {
  const queue = [...indices];
  const codes = new Map<number, number>();
  const running = new Map<number, StartedPoint>();
  const task = o.progress.start("sweep", indices.length, { unit: "points" });
  let stopped = false;
  let failed = 0;
  const poll = setInterval(async () => {
    if (stopped || !(await o.stopRequested())) return;
    stopped = true;
    queue.length = 0;
    for (const p of running.values()) p.stop();
  }, o.pollMs ?? 500);
  const worker = async () => {
    while (queue.length > 0) {
      const index = queue.shift()!;
      const started = o.start(index);
      running.set(index, started);
      const code = await started.done;
      running.delete(index);
      codes.set(index, code);
      if (code !== 0) failed++;
      o.onEnd?.(index, code);
      task.update(codes.size, failed ? `${failed} failed` : undefined);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, Math.min(o.workers, indices.length)) }, worker));
  } finally {
    clearInterval(poll);
    task.finish(stopped ? "stopped" : failed ? `${failed} failed` : undefined);
  }
  return { codes, stopped };
}

/** Spawns `argv` in `cwd` with its stdout and stderr appended to `logPath`. */
export function spawnLogged(
  argv: readonly string[],
  opts: { cwd: string; env: Record<string, string>; logPath: string; header: string },
): StartedPoint {
  const child = new Deno.Command(argv[0], {
    args: argv.slice(1),
    cwd: opts.cwd,
    env: opts.env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const done = (async () => {
    await Deno.mkdir(dirname(opts.logPath), { recursive: true });
    const log = await Deno.open(opts.logPath, { append: true, create: true });
    try {
      await log.write(new TextEncoder().encode(opts.header));
      // Both streams into one file, in arrival order, as a terminal shows them.
      await Promise.all([copyInto(child.stdout, log), copyInto(child.stderr, log)]);
    } finally {
      log.close();
    }
    return (await child.status).code;
  })();
  return {
    done,
    stop() {
      try {
        child.kill("SIGTERM");
      } catch {
        // Already exited.
      }
    },
  };
}

async function copyInto(stream: ReadableStream<Uint8Array>, file: Deno.FsFile): Promise<void> {
  for await (const chunk of stream) {
    for (let off = 0; off < chunk.length;) off += await file.write(chunk.subarray(off));
  }
}
