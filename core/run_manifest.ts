/**
 * The run manifest, `manifest.json`: written at the start (RUNNING, with pid and host, so a crashed run is
 * recognisable) and rewritten atomically at the end (FINISHED, FAILED or KILLED) with the composed config,
 * input hashes, plugins with versions and integrity, runtime versions, timings, folds and metrics.
 */
import { join } from "node:path";
import { hostname } from "node:os";
import { writeFileAtomic } from "../lib/io/mod.ts";
import type { ComposedConfig } from "./config.ts";
import { ConfigError } from "./errors.ts";
import type { ExperimentConfig } from "./experiment_schema.ts";
import type { LoadedPlugin } from "./loader.ts";
import type { RunHeadline, TargetReport } from "./report.ts";
import type { RunPlugins } from "./run_plugins.ts";
import type { TrackerGroup } from "./tracking.ts";
import type { FoldOutcome, RunSummary } from "./run.ts";

/** A manifest's status: RUNNING from the start until the run ends. */
export type ManifestStatus = RunSummary["status"] | "RUNNING";

/** The process writing a run: `batteryml runs` shows a RUNNING run whose process is gone as CRASHED. */
export interface RunProcess {
  pid: number;
  hostname: string;
}

/** What a finished run's manifest holds (the fields readers use). */
export interface RunManifest {
  runId: string;
  status: ManifestStatus;
  process?: RunProcess;
  configHash: string;
  config: ExperimentConfig;
  seed: number;
  /** sha256 of every input file the run read, by path. */
  inputs: Record<string, string>;
  dataWarnings?: string[];
  /** The run's plugins by role (`data`, `split`, `pipeline`, `model`, `loss`, `tracking.<i>`). */
  plugins: { role: string; specifier: string; name: string; version: string }[];
  startedAt: string;
  endedAt: string | null;
  timings: Record<string, number>;
  folds: FoldOutcome[];
  headline: RunHeadline | null;
  metrics: Record<string, TargetReport>;
}

/** What the manifest records beyond the summary: trackers' failures, input hashes, data warnings. */
export interface ManifestExtras {
  trackers?: TrackerGroup;
  inputs?: Record<string, string>;
  dataWarnings?: string[];
}

/** Writes `manifest.json` of a run atomically. */
export async function writeManifest(
  summary: RunSummary,
  composed: ComposedConfig,
  plugins: RunPlugins,
  startedAt: Date,
  status: ManifestStatus,
  extras: ManifestExtras = {},
): Promise<void> {
  const manifest = {
    runId: summary.runId,
    status,
    process: { pid: Deno.pid, hostname: hostname() } satisfies RunProcess,
    configHash: composed.hash,
    config: composed.config,
    selections: composed.selections,
    seed: composed.config.experiment.seed,
    inputs: extras.inputs ?? {},
    /** Data problems the dataset let through as warnings (`data.strict=false`). */
    dataWarnings: extras.dataWarnings ?? [],
    plugins: [
      describe("data", plugins.dataset),
      describe("split", plugins.split),
      describe("pipeline", plugins.pipeline),
      describe("model", plugins.model),
      describe("loss", plugins.loss),
      ...plugins.trackers.map((t, i) => describe(`tracking.${i}`, t)),
    ].filter(Boolean),
    runtime: { deno: Deno.version.deno, v8: Deno.version.v8, typescript: Deno.version.typescript },
    trackerFailures: extras.trackers?.failures ?? {},
    startedAt: startedAt.toISOString(),
    endedAt: status === "RUNNING" ? null : new Date().toISOString(),
    timings: summary.timings,
    folds: summary.folds,
    headline: summary.headline ?? null,
    metrics: summary.report,
  };
  await writeFileAtomic(join(summary.runDir, "manifest.json"), JSON.stringify(manifest, null, 2) + "\n");
}

/** The manifest of the run in `runDir`; a ConfigError naming the file when it is missing or unreadable. */
export async function readManifest(runDir: string): Promise<RunManifest> {
  const file = join(runDir, "manifest.json");
  try {
    return JSON.parse(await Deno.readTextFile(file));
  } catch (err) {
    throw new ConfigError("run", `cannot read ${file}: ${(err as Error).message}`, { cause: err });
  }
}

function describe(role: string, p: LoadedPlugin | null) {
  return p && {
    role,
    specifier: p.specifier,
    name: p.definition.name,
    version: p.definition.version,
    source: p.source,
    resolved: p.resolved,
    integrity: p.integrity ?? null,
  };
}
