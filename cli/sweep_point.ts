/**
 * The processes an executor starts. `batteryml sweep point <sweep dir> <index>` runs one point of a sweep
 * as a normal run and records it in the sweep folder (local workers and Slurm array tasks run this);
 * `sweep worker <sweep dir>` runs the points it reads on stdin one after another in one process
 * (`sweep --reuse-workers`), each point's lines going to that point's log, and answers `done <index>
 * <code>` on stdout. A point that FINISHED, or that runs in another live process, is skipped (code 0).
 */
import { buildCommand } from "@stricli/core";
import {
  createLogger,
  interruptOnSignals,
  type Logger,
  type PointOutcome,
  runFigures,
  RunInterrupted,
  runSweepPoint,
  sweepPointLogPath,
} from "../mod.ts";
import { type CommonFlags, commonFlags, type Ctx, guarded } from "./common.ts";
import { describeStep } from "./steps.ts";

/** Runs point `index`; the outcome's line, or a RunInterrupted / the point's error thrown. */
async function runPoint(dir: string, index: number, log: Logger, signal: AbortSignal): Promise<string> {
  const outcome: PointOutcome = await runSweepPoint({
    dir,
    index,
    log,
    signal,
    onStep: (s) => log.info(describeStep(s)),
    figures: (rows) => Promise.resolve(runFigures(rows)),
  });
  if (outcome.kind === "skipped") return `${outcome.reason}: skipped\n`;
  const s = outcome.summary;
  const h = s.headline ? `  ${s.headline.target} ${s.headline.metric.toUpperCase()} ${s.headline.value}` : "";
  return `point ${index}: run ${s.runId} ${s.status}${h}\n`;
}

const indexParam = {
  brief: "The point's index",
  parse: (s: string) => {
    const n = Number(s);
    if (!Number.isInteger(n) || n < 0) throw new SyntaxError(`expected a point index ≥ 0, found '${s}'`);
    return n;
  },
  placeholder: "index",
} as const;

/** `sweep point`. */
export const sweepPointCommand = buildCommand({
  docs: { brief: "Run one point of a sweep (what workers and Slurm tasks run)" },
  parameters: {
    flags: { ...commonFlags },
    positional: {
      kind: "tuple",
      parameters: [{ brief: "The sweep folder", parse: String, placeholder: "dir" }, indexParam],
    },
  },
  func: async function (this: Ctx, f: CommonFlags, dir: string, index: number) {
    await guarded(this, f, async () => {
      const interrupt = interruptOnSignals();
      try {
        const log = createLogger({ quiet: f.quiet, debug: f.debug });
        this.process.stdout.write(await runPoint(dir, index, log, interrupt.signal));
      } catch (err) {
        if (!(err instanceof RunInterrupted)) throw err;
        this.process.stderr.write(`error: ${err.message}; point ${index} is recorded as KILLED\n`);
        this.process.exitCode = err.exitCode;
      } finally {
        interrupt.dispose();
      }
    });
  },
});

/** `sweep worker`. */
export const sweepWorkerCommand = buildCommand({
  docs: { brief: "Run the sweep points read on stdin, one after another (sweep --reuse-workers)" },
  parameters: {
    flags: { ...commonFlags },
    positional: {
      kind: "tuple",
      parameters: [{ brief: "The sweep folder", parse: String, placeholder: "dir" }],
    },
  },
  func: async function (this: Ctx, f: CommonFlags, dir: string) {
    await guarded(this, f, async () => {
      const interrupt = interruptOnSignals();
      try {
        for await (const line of readLines(Deno.stdin.readable)) {
          if (!line.trim()) continue;
          const index = indexParam.parse(line.trim());
          const code = await pointInWorker(dir, index, f, interrupt.signal);
          this.process.stdout.write(`done ${index} ${code}\n`);
          if (interrupt.signal.aborted) {
            this.process.exitCode = code;
            return;
          }
        }
      } finally {
        interrupt.dispose();
      }
    });
  },
});

/** One point in a worker: its lines (steps, warnings, its error) appended to the point's own log. */
async function pointInWorker(
  dir: string,
  index: number,
  f: CommonFlags,
  signal: AbortSignal,
): Promise<number> {
  const path = sweepPointLogPath(dir, index);
  await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
  const append = (line: string) => Deno.writeTextFileSync(path, line + "\n", { append: true });
  append(`== attempt on ${Deno.hostname()} (reused worker, pid ${Deno.pid}) at ${new Date().toISOString()}`);
  const log: Logger = {
    info: (m) => f.quiet ? undefined : append(m),
    warn: (m) => append(`warning: ${m}`),
    debug: (m) => f.debug ? append(`debug: ${m}`) : undefined,
  };
  try {
    append((await runPoint(dir, index, log, signal)).trimEnd());
    return 0;
  } catch (err) {
    append(`error: ${(err as Error).message}`);
    return err instanceof RunInterrupted ? err.exitCode : 1;
  }
}

async function* readLines(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  let rest = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    const lines = (rest + chunk).split("\n");
    rest = lines.pop()!;
    yield* lines;
  }
  if (rest) yield rest;
}
