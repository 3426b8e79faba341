/** `batteryml run`: one experiment end to end, its summary on stdout (or as JSON). */
import { buildCommand } from "@stricli/core";
import {
  composeConfig,
  createLogger,
  interruptOnSignals,
  readPluginLock,
  runExperiment,
  runFigures,
  runGrants,
  RunInterrupted,
  type TargetReport,
  terminalProgress,
} from "../mod.ts";
import { type CommonFlags, commonFlags, configDirFlag, type Ctx, guarded, overridesArg } from "./common.ts";
import { describeStep } from "./steps.ts";

/** `batteryml run`. */
export const runCommand = buildCommand({
  docs: { brief: "Run an experiment: load → split → pipeline → train → predict → report → track" },
  parameters: {
    flags: {
      ...commonFlags,
      json: { kind: "boolean", brief: "Print the run summary as JSON on stdout", optional: true },
      backend: {
        kind: "enum",
        values: ["auto", "wasm", "cpu", "webgpu"],
        brief: "tfjs backend of neural models (same as training.backend=…)",
        optional: true,
      },
      configDir: configDirFlag,
    },
    positional: overridesArg,
  },
  func: async function (
    this: Ctx,
    flags: CommonFlags & {
      json?: boolean;
      configDir?: string;
      backend?: "auto" | "wasm" | "cpu" | "webgpu";
    },
    ...overrides: string[]
  ) {
    const backend = flags.backend ? [`training.backend=${flags.backend}`] : [];
    const compose = () =>
      composeConfig({ configDir: flags.configDir, overrides: [...overrides, ...backend] });
    // --print-permissions: the flags this config needs (its writes, data, hosts, plugin sandboxes).
    const grants = async () => {
      const g = runGrants((await compose()).config, await readPluginLock());
      return { ...g, read: [...g.read ?? [], ...flags.configDir ? [flags.configDir] : []] };
    };
    await guarded(this, flags, async () => {
      const composed = await compose();
      const log = createLogger({ quiet: flags.quiet || flags.json, debug: flags.debug });
      // Ctrl-C / SIGTERM: the run records KILLED (manifest and trackers) and exits 130 / 143.
      const interrupt = interruptOnSignals();
      let runDir = "";
      try {
        const summary = await runExperiment({
          composed,
          log,
          signal: interrupt.signal,
          progress: terminalProgress({ quiet: flags.quiet || flags.json }),
          onStart: (dir) => runDir = dir,
          onStep: (s) => log.info(describeStep(s)),
          // Parity and trajectory figures, written to figures/ and sent to every tracker.
          figures: (rows) => Promise.resolve(runFigures(rows)),
        });
        if (flags.json) this.process.stdout.write(JSON.stringify(summary, null, 2) + "\n");
        else this.process.stdout.write(formatSummary(summary));
      } catch (err) {
        if (!(err instanceof RunInterrupted)) throw err;
        this.process.stderr.write(`error: ${err.message}; the run is recorded as KILLED in ${runDir}\n`);
        this.process.exitCode = err.exitCode;
      } finally {
        interrupt.dispose();
      }
    }, grants);
  },
});

function formatSummary(summary: Awaited<ReturnType<typeof runExperiment>>): string {
  const lines = [`run ${summary.runId} (${summary.status}) → ${summary.runDir}`];
  for (const [target, r] of Object.entries(summary.report)) lines.push(...targetLines(target, r));
  return lines.join("\n") + "\n";
}

/** A target's lines: its headline metrics first (MAE/RMSE for targets that start at zero), then the rest. */
function targetLines(target: string, r: TargetReport): string[] {
  const m = r.overall;
  const names = { rmse: "RMSE", mae: "MAE", mape: "MAPE" } as const;
  const value = (k: "rmse" | "mae" | "mape") => `${names[k]} ${fmt(m[k])}${k === "mape" ? " %" : ""}`;
  const rest = (["rmse", "mae", "mape"] as const).filter((k) => !r.headline.metrics.includes(k));
  const excluded = m.mape_excluded
    ? ` (${m.mape_excluded} points with |y| < ${fmt(r.mapeFloor)} left out of MAPE)`
    : "";
  const lines = [
    `${target}: ${r.headline.metrics.map(value).join("  ")}  | ${rest.map(value).join("  ")}  R² ${
      fmt(m.r2)
    }  (n=${m.n})${excluded}`,
  ];
  for (const [temp, t] of Object.entries(r.perTemperature)) {
    lines.push(`  ${temp}: RMSE ${fmt(t.rmse)}  MAE ${fmt(t.mae)}  R² ${fmt(t.r2)}  (n=${t.n})`);
  }
  if (r.acrossFolds) {
    const k = r.headline.metrics[0];
    const a = r.acrossFolds[k];
    lines.push(
      `  ${names[k]} over ${a.folds} folds: ${fmt(a.mean)} ± ${fmt(a.std)} (95 % CI ${fmt(a.ci95[0])}–${
        fmt(a.ci95[1])
      })`,
    );
  }
  return lines;
}

function fmt(v: number): string {
  return Number.isFinite(v) ? v.toPrecision(4) : "n/a";
}
