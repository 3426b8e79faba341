/**
 * `batteryml sweep point <sweep dir> <index>`: runs one point of a sweep as a normal run and records it in
 * the sweep folder. Local workers and Slurm array tasks run this; a point that FINISHED, or that runs in
 * another live process, is skipped (exit 0).
 */
import { buildCommand } from "@stricli/core";
import { createLogger, interruptOnSignals, runFigures, RunInterrupted, runSweepPoint } from "../mod.ts";
import { type CommonFlags, commonFlags, type Ctx, guarded } from "./common.ts";
import { describeStep } from "./steps.ts";

/** `sweep point`. */
export const sweepPointCommand = buildCommand({
  docs: { brief: "Run one point of a sweep (what workers and Slurm tasks run)" },
  parameters: {
    flags: { ...commonFlags },
    positional: {
      kind: "tuple",
      parameters: [
        { brief: "The sweep folder", parse: String, placeholder: "dir" },
        { brief: "The point's index", parse: Number, placeholder: "index" },
      ],
    },
  },
  func: async function (this: Ctx, f: CommonFlags, dir: string, index: number) {
    await guarded(this, f, async () => {
      const log = createLogger({ quiet: f.quiet, debug: f.debug });
      const interrupt = interruptOnSignals();
      try {
        const outcome = await runSweepPoint({
          dir,
          index,
          log,
          signal: interrupt.signal,
          onStep: (s) => log.info(describeStep(s)),
          figures: (rows) => Promise.resolve(runFigures(rows)),
        });
        if (outcome.kind === "skipped") this.process.stdout.write(`${outcome.reason}: skipped\n`);
        else {
          const s = outcome.summary;
          const h = s.headline
            ? `  ${s.headline.target} ${s.headline.metric.toUpperCase()} ${s.headline.value}`
            : "";
          this.process.stdout.write(`point ${index}: run ${s.runId} ${s.status}${h}\n`);
        }
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
