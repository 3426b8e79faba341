/**
 * `batteryml` — the command line. Every command is thin: it parses flags and calls the public API.
 * Errors print one line and exit non-zero; `--debug` adds the stack.
 */
import { runFigures } from "../lib/plot/run_figures.ts";
import { buildApplication, buildCommand, buildRouteMap, run, text_en } from "@stricli/core";
import YAML from "yaml";
import denoJson from "../deno.json" with { type: "json" };
import {
  builtinNames,
  composeConfig,
  createLogger,
  loadPlugin,
  readPluginLock,
  runExperiment,
  writePluginLock,
} from "../mod.ts";
import { fetchPluginSource, validateDefinition } from "../core/loader.ts";
import { sha256Hex } from "../core/hash.ts";
import { runContract } from "../core/contract/run_contract.ts";
import { permissionsFor } from "../core/permissions.ts";
import { validateRunConfig } from "../core/runner.ts";
import type { TargetReport } from "../core/report.ts";
import { interruptOnSignals, RunInterrupted } from "../core/run_signals.ts";
import { runsCommand } from "./runs.ts";
import { terminalProgress } from "../lib/progress.ts";
import { completionRoutes } from "./completion.ts";
import { describeStep } from "./steps.ts";
import type { RoutingTarget } from "./completion_spec.ts";
import {
  type CommonFlags,
  commonFlags,
  type Ctx,
  extraRoutes,
  guarded,
  jsonFlag,
  writeJson,
} from "./common.ts";

const configDirFlag = {
  kind: "parsed",
  parse: String,
  brief: "Folder of YAML config groups",
  optional: true,
  placeholder: "dir",
} as const;

const overridesArg = {
  kind: "array",
  parameter: {
    brief: "Overrides: group=name, a.b=value, +a.b=value, ~a.b",
    parse: String,
    placeholder: "override",
  },
} as const;

const runCommand = buildCommand({
  docs: { brief: "Run an experiment: load → split → pipeline → train → predict → report → track" },
  parameters: {
    flags: {
      ...commonFlags,
      json: { kind: "boolean", brief: "Print the run summary as JSON on stdout", optional: true },
      printPermissions: {
        kind: "boolean",
        brief: "Print the Deno permission flags this config needs",
        optional: true,
      },
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
      printPermissions?: boolean;
      configDir?: string;
      backend?: "auto" | "wasm" | "cpu" | "webgpu";
    },
    ...overrides: string[]
  ) {
    await guarded(this, flags, async () => {
      const backend = flags.backend ? [`training.backend=${flags.backend}`] : [];
      const composed = await composeConfig({
        configDir: flags.configDir,
        overrides: [...overrides, ...backend],
      });
      if (flags.printPermissions) {
        this.process.stdout.write(permissionsFor(composed.config, await readPluginLock()).join(" ") + "\n");
        return;
      }
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
    });
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

const configShow = buildCommand({
  docs: { brief: "Print the composed config (YAML) and its hash; validates every plugin's options" },
  parameters: {
    flags: { ...commonFlags, configDir: configDirFlag },
    positional: overridesArg,
  },
  func: async function (this: Ctx, flags: CommonFlags & { configDir?: string }, ...overrides: string[]) {
    await guarded(this, flags, async () => {
      const composed = await composeConfig({ configDir: flags.configDir, overrides });
      await validateRunConfig(composed, createLogger({ quiet: true }));
      this.process.stdout.write(composed.yaml + `# hash: ${composed.hash}\n`);
    });
  },
});

const pluginsList = buildCommand({
  docs: { brief: "List built-in plugins by kind, and the URL plugins in the plugin lock" },
  parameters: { flags: { ...commonFlags, json: jsonFlag } },
  func: async function (this: Ctx, flags: CommonFlags & { json?: boolean }) {
    await guarded(this, flags, async () => {
      const names = builtinNames();
      const lock = await readPluginLock();
      if (flags.json) {
        const url = Object.entries(lock.plugins).map(([url, e]) => ({ url, ...e }));
        return writeJson(this, { builtin: names, url });
      }
      for (const [kind, list] of Object.entries(names)) {
        this.process.stdout.write(`${kind.padEnd(9)} ${list.join(", ") || "(none)"}\n`);
      }
      for (const [url, e] of Object.entries(lock.plugins)) {
        this.process.stdout.write(`url       ${e.kind} ${e.name}@${e.version} ${url} sha256:${e.sha256}\n`);
      }
    });
  },
});

const pluginsAdd = buildCommand({
  docs: { brief: "Trust a URL plugin: fetch, validate and pin its sha256 in the plugin lock" },
  parameters: {
    flags: { ...commonFlags },
    positional: {
      kind: "tuple",
      parameters: [{ brief: "https: or http: URL of the module", parse: String, placeholder: "url" }],
    },
  },
  func: async function (this: Ctx, flags: CommonFlags, url: string) {
    await guarded(this, flags, async () => {
      if (!/^https?:\/\//.test(url)) throw new Error(`'${url}' is not an http(s) URL`);
      const bytes = await fetchPluginSource(url);
      const sha256 = await sha256Hex(bytes);
      const lock = await readPluginLock();
      lock.plugins[url] = { sha256, kind: "?", name: "?", version: "?", addedAt: new Date().toISOString() };
      const loaded = await loadPlugin(url, undefined, { lock });
      const d = validateDefinition(url, { default: loaded.definition });
      lock.plugins[url] = {
        sha256,
        kind: d.kind,
        name: d.name,
        version: d.version,
        addedAt: lock.plugins[url].addedAt,
      };
      await writePluginLock(lock);
      this.process.stdout.write(`added ${d.kind} plugin '${d.name}' ${d.version} sha256:${sha256}\n`);
    });
  },
});

const pluginsTest = buildCommand({
  docs: { brief: "Run the contract suite of the plugin's kind against it" },
  parameters: {
    flags: {
      ...commonFlags,
      options: {
        kind: "parsed",
        parse: String,
        brief: "Plugin options as YAML/JSON",
        optional: true,
        placeholder: "yaml",
      },
    },
    positional: {
      kind: "tuple",
      parameters: [{
        brief: "Built-in name, path, URL or npm: specifier",
        parse: String,
        placeholder: "spec",
      }],
    },
  },
  func: async function (this: Ctx, flags: CommonFlags & { options?: string }, spec: string) {
    await guarded(this, flags, async () => {
      const loaded = await loadPlugin(spec);
      // Checks write under artifacts/tmp: the batteryml task may write the project folder, not the system temp.
      const results = await runContract(loaded, flags.options ? YAML.parse(flags.options) : {}, "artifacts");
      for (const r of results) {
        this.process.stdout.write(
          `${r.ok ? "ok  " : "FAIL"} ${r.name}${r.message ? `: ${r.message}` : ""}\n`,
        );
      }
      const failed = results.filter((r) => !r.ok).length;
      this.process.stdout.write(`${results.length - failed} passed, ${failed} failed\n`);
      if (failed) this.process.exitCode = 1;
    });
  },
});

/** Stricli's English texts, with usage errors prefixed `error:` as every other failure of the CLI is. */
const CLI_TEXT: typeof text_en = {
  ...text_en,
  noCommandRegisteredForInput: (args) => `error: ${text_en.noCommandRegisteredForInput(args)}`,
  exceptionWhileParsingArguments: (exc, ansiColor) =>
    `error: ${text_en.exceptionWhileParsingArguments(exc, ansiColor)}`,
  exceptionWhileRunningCommand: (exc, ansiColor) =>
    `error: ${text_en.exceptionWhileRunningCommand(exc, ansiColor)}`,
};

/**
 * The process exit code: a command's own code, else stricli's (negative for usage errors: an unknown
 * command or flag, a missing or invalid flag value → 2, as usage errors exit in most CLIs; an internal
 * error → 1).
 */
export function processExitCode(code: number | string | null | undefined): number {
  if (code === undefined || code === null || code === 0) return 0;
  if (typeof code !== "number" || !Number.isInteger(code)) return 1;
  if (code > 0) return code;
  return code === -1 ? 1 : 2;
}

const app = buildApplication(
  buildRouteMap({
    routes: {
      run: runCommand,
      config: buildRouteMap({ routes: { show: configShow }, docs: { brief: "Inspect the composed config" } }),
      plugins: buildRouteMap({
        routes: { list: pluginsList, add: pluginsAdd, test: pluginsTest },
        docs: { brief: "List, trust and test plugins" },
      }),
      completion: completionRoutes((): RoutingTarget => app.root as RoutingTarget),
      runs: runsCommand,
      ...extraRoutes,
    },
    docs: {
      brief: "BatteryML for Deno — machine learning on battery degradation data",
    },
  }),
  {
    name: "batteryml",
    versionInfo: { currentVersion: denoJson.version },
    scanner: { caseStyle: "allow-kebab-for-camel" },
    localization: { defaultLocale: "en", loadText: () => CLI_TEXT },
  },
);

if (import.meta.main) {
  const proc = {
    stdout: { write: (s: string) => void Deno.stdout.writeSync(new TextEncoder().encode(s)) },
    stderr: { write: (s: string) => void Deno.stderr.writeSync(new TextEncoder().encode(s)) },
    // Left unset: stricli only fills in its own code (a usage error) when the command set none.
    exitCode: undefined as number | string | null | undefined,
    env: Deno.env.toObject(),
  };
  await run(app, Deno.args, { process: proc });
  Deno.exit(processExitCode(proc.exitCode));
}
