/**
 * The local executor: N workers, each running points one at a time until none is left, with a progress
 * line (points done of the total, rate, ETA). A worker is either a fresh process per point (isolated: the
 * default) or one long-lived process that runs point after point (`--reuse-workers`: Deno's start and
 * module loading are paid once per worker instead of once per point). A stop request (the `cancel` file
 * that `batteryml sweep cancel` writes) stops handing out points and sends SIGTERM to the running ones,
 * which record KILLED and are run again when the sweep resumes. A worker process that dies mid-point
 * (kill -9, a plugin calling exit) fails that point only: the next point gets a new process.
 */
import { dirname } from "node:path";
import type { ProgressSink } from "../progress.ts";

/** A worker of the pool: runs one point at a time. */
export interface PoolWorker {
  /** Runs a point; resolves with its exit code (0: FINISHED or skipped). */
  run(index: number): Promise<number>;
  /** Asks the running point to stop (SIGTERM). */
  stop(): void;
  /** Ends the worker (no more points). */
  close(): Promise<void>;
}

/** Settings of a pool run. */
export interface PoolOptions {
  workers: number;
  /** A new worker (called again when a worker died). */
  open(slot: number): PoolWorker;
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

/** Runs `indices` on `workers` parallel workers. */
export async function runPool(indices: readonly number[], o: PoolOptions): Promise<PoolResult> {
  const queue = [...indices];
  const codes = new Map<number, number>();
  const busy = new Set<PoolWorker>();
  const task = o.progress.start("sweep", indices.length, { unit: "points" });
  let stopped = false;
  let failed = 0;
  const poll = setInterval(async () => {
    if (stopped || !(await o.stopRequested())) return;
    stopped = true;
    queue.length = 0;
    for (const w of busy) w.stop();
  }, o.pollMs ?? 500);
  const slot = async (n: number) => {
    let worker: PoolWorker | null = null;
    try {
      while (queue.length > 0) {
        const index = queue.shift()!;
        worker ??= o.open(n);
        busy.add(worker);
        const code = await worker.run(index);
        busy.delete(worker);
        if (code === WORKER_DIED) {
          await worker.close();
          worker = null;
        }
        const reported = code === WORKER_DIED ? 1 : code;
        codes.set(index, reported);
        if (reported !== 0) failed++;
        o.onEnd?.(index, reported);
        task.update(codes.size, failed ? `${failed} failed` : undefined);
      }
    } finally {
      await worker?.close();
    }
  };
  try {
    await Promise.all(
      Array.from({ length: Math.max(1, Math.min(o.workers, indices.length)) }, (_, n) => slot(n)),
    );
  } finally {
    clearInterval(poll);
    task.finish(stopped ? "stopped" : failed ? `${failed} failed` : undefined);
  }
  return { codes, stopped };
}

/** What `run` resolves with when a persistent worker's process ended in the middle of a point. */
export const WORKER_DIED = -1;

/** Where a process runs. */
export interface ProcessSpec {
  argv: readonly string[];
  cwd: string;
  env: Record<string, string>;
}

/** A worker that starts `argv(index)` for each point, its output appended to `logPath(index)`. */
export function processPerPoint(
  spec: Omit<ProcessSpec, "argv"> & {
    argv(index: number): string[];
    logPath(index: number): string;
    header(index: number): string;
  },
): PoolWorker {
  let current: StartedPoint | null = null;
  return {
    async run(index) {
      current = spawnLogged(spec.argv(index), {
        cwd: spec.cwd,
        env: spec.env,
        logPath: spec.logPath(index),
        header: spec.header(index),
      });
      try {
        return await current.done;
      } finally {
        current = null;
      }
    },
    stop: () => current?.stop(),
    close: () => Promise.resolve(),
  };
}

/**
 * A long-lived worker process: it reads point indices on stdin, one a line, and answers `done <index>
 * <code>` on stdout when each has ended (the point's own output goes to the point's log, which the worker
 * writes itself); anything else it prints goes to `logPath`.
 */
export function persistentWorker(spec: ProcessSpec & { logPath: string }): PoolWorker {
  const child = new Deno.Command(spec.argv[0], {
    args: spec.argv.slice(1),
    cwd: spec.cwd,
    env: spec.env,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stdin = child.stdin.getWriter();
  const waiting = new Map<number, (code: number) => void>();
  const logged = (async () => {
    await Deno.mkdir(dirname(spec.logPath), { recursive: true });
    const log = await Deno.open(spec.logPath, { append: true, create: true });
    try {
      await Promise.all([readAnswers(child.stdout, log, waiting), copyInto(child.stderr, log)]);
    } finally {
      log.close();
    }
  })();
  const exited = Promise.all([child.status, logged]).then(() => {
    for (const resolve of waiting.values()) resolve(WORKER_DIED);
    waiting.clear();
  });
  let alive = true;
  void exited.then(() => alive = false);
  return {
    async run(index) {
      if (!alive) return WORKER_DIED;
      const answer = new Promise<number>((resolve) => waiting.set(index, resolve));
      await stdin.write(new TextEncoder().encode(`${index}\n`)).catch(() => {});
      return await answer;
    },
    stop() {
      try {
        child.kill("SIGTERM");
      } catch {
        // Already exited.
      }
    },
    async close() {
      await stdin.close().catch(() => {});
      await exited;
    },
  };
}

/** Routes `done <index> <code>` lines to their waiting points and every other line to the log. */
async function readAnswers(
  stream: ReadableStream<Uint8Array>,
  log: Deno.FsFile,
  waiting: Map<number, (code: number) => void>,
): Promise<void> {
  const encoder = new TextEncoder();
  let rest = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    const lines = (rest + chunk).split("\n");
    rest = lines.pop()!;
    for (const line of lines) {
      const m = /^done (\d+) (-?\d+)$/.exec(line);
      const resolve = m ? waiting.get(Number(m[1])) : undefined;
      if (m && resolve) {
        waiting.delete(Number(m[1]));
        resolve(Number(m[2]));
      } else await writeAll(log, encoder.encode(line + "\n"));
    }
  }
  if (rest) await writeAll(log, encoder.encode(rest));
}

/** A started point process. */
export interface StartedPoint {
  /** Resolves with the exit code. */
  done: Promise<number>;
  /** Asks it to stop (SIGTERM). */
  stop(): void;
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
      await writeAll(log, new TextEncoder().encode(opts.header));
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
  for await (const chunk of stream) await writeAll(file, chunk);
}

async function writeAll(file: Deno.FsFile, bytes: Uint8Array): Promise<void> {
  for (let off = 0; off < bytes.length;) off += await file.write(bytes.subarray(off));
}
