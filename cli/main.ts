/**
 * `batteryml` — the command line. Every command is thin: it parses flags and calls the public API.
 * Errors print one line and exit non-zero; `--debug` adds the stack.
 */
import { buildApplication, buildRouteMap, run, text_en } from "@stricli/core";
import denoJson from "../deno.json" with { type: "json" };
import { cacheRoutes } from "./cache.ts";
import { completionRoutes } from "./completion.ts";
import type { RoutingTarget } from "./completion_spec.ts";
import { configRoutes } from "./config.ts";
import { dataRoutes } from "./data.ts";
import { pluginsRoutes } from "./plugins.ts";
import { predictCommand } from "./predict.ts";
import { runCommand } from "./run.ts";
import { runsCommand } from "./runs.ts";
import { sweepRoutes } from "./sweep.ts";
import { trackingRoutes } from "./tracking.ts";

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
      config: configRoutes,
      plugins: pluginsRoutes,
      completion: completionRoutes((): RoutingTarget => app.root as RoutingTarget),
      runs: runsCommand,
      sweep: sweepRoutes,
      data: dataRoutes,
      predict: predictCommand,
      tracking: trackingRoutes,
      cache: cacheRoutes,
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
