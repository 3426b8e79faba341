/**
 * `mlflow` tracker: a run in an MLflow file store (`tracking_uri: file:...`, default MLflow's own `./mlruns`,
 * readable by `mlflow ui`) or on a tracking server (`http(s)://...`). A file store below a folder named
 * `artifacts` is refused (MLflow ≥ 3.8 cannot open its runs: lib/mlflow/store_location.ts).
 * Keys are made valid by MLflow's rules (a renamed key is reported once). With a server, records are
 * spooled first: if the server cannot be reached the run goes on, and `batteryml tracking sync`
 * (lib/mlflow/sync.ts `syncSpool`) sends the spool later. A sweep is a parent run whose children are its
 * points' runs (mlflow_sweep.ts).
 */
import { z } from "zod";
import { basename, join } from "node:path";
import {
  defineTracker,
  type Figure,
  type Logger,
  type RunInfo,
  type RunStatus,
  type TrackerInstance,
} from "../../mod.ts";

import {
  artifactsAncestor,
  DEFAULT_FILE_STORE_URI,
  FileStore,
  fileStorePath,
  FileStoreRun,
  gitCommit,
  MAX_PARAM_VALUE_LENGTH,
  openRestRun,
  type RestRun,
  type RunLogger,
  sanitizeKey,
  type StartRunRequest,
  truncateValue,
} from "../../lib/mlflow/mod.ts";
import {
  childTags,
  endParentRun,
  type MlflowSweepHandle,
  startParentRun,
  type SweepHookDeps,
} from "./mlflow_sweep.ts";

/** A tracker with every optional method (what the built-in trackers record). */
type FullTracker = Required<Omit<TrackerInstance, "histogram">> & TrackerInstance;

const options = z.strictObject({
  /** `file:<path>` → file store; `http(s)://host:port` → tracking server (REST). Default `file:mlruns`. */
  tracking_uri: z.string().regex(/^(file:|https?:\/\/)/, "expected 'file:<path>' or 'http(s)://host[:port]'")
    .refine(
      (uri) => !uri.startsWith("file:") || artifactsAncestor(fileStorePath(uri)) === undefined,
      "MLflow >= 3.8 cannot open runs of a file store below a folder named 'artifacts'; " +
        "use file:mlruns (MLflow's default) or another path without such a folder",
    )
    .optional(),
  /** Experiment the runs go to; created when absent. */
  experiment_name: z.string().min(1).max(500).default("batteryml"),
  /** Per-request timeout (REST). */
  timeout_ms: z.int().min(1).default(10_000),
  /** Retries of a failed request (REST; 5xx, 429, network errors, timeouts). */
  max_retries: z.int().min(0).default(3),
  /** First back-off delay between retries, doubled each time (REST). */
  backoff_ms: z.int().min(0).default(250),
  /** Where REST runs spool their records (JSON lines per run); default `<output.dir>/mlflow-spool`. */
  spool_dir: z.string().min(1).optional(),
});

/** The options with the run's folders filled in where the config left them out. */
export interface ResolvedMlflowOptions extends MlflowOptions {
  tracking_uri: string;
  spool_dir: string;
}

/**
 * The file store defaults to MLflow's own `./mlruns` (not under `output.dir`, which is `artifacts/` by
 * default: MLflow cannot open runs below a folder of that name); the REST spool stays with the run's output.
 */
export function resolveMlflowOptions(opts: MlflowOptions, outputDir = "artifacts"): ResolvedMlflowOptions {
  return {
    ...opts,
    tracking_uri: opts.tracking_uri ?? DEFAULT_FILE_STORE_URI,
    spool_dir: opts.spool_dir ?? join(outputDir, "mlflow-spool"),
  };
}

/** Options of the mlflow tracker. */
export type MlflowOptions = z.infer<typeof options>;

/**
 * Opens the run on the transport the tracking URI names: a new run, or with `existing` a sweep's parent
 * run created by another process.
 */
async function openRun(
  opts: ResolvedMlflowOptions,
  request: StartRunRequest,
  log: Logger,
  existing?: MlflowSweepHandle,
): Promise<RunLogger> {
  if (opts.tracking_uri.startsWith("file:")) {
    const store = new FileStore(opts.tracking_uri);
    if (existing) return await store.openRun(existing.experimentId, existing.parentRunId);
    return await store.createRun(await store.ensureExperiment(request.experimentName), request);
  }
  const remote = existing &&
    {
      runId: existing.parentRunId,
      experimentId: existing.experimentId,
      artifactUri: existing.artifactUri ?? "",
    };
  return await openRestRun(
    {
      trackingUri: opts.tracking_uri,
      timeoutMs: opts.timeout_ms,
      maxRetries: opts.max_retries,
      backoffMs: opts.backoff_ms,
      token: envOrUndefined("MLFLOW_TRACKING_TOKEN"),
      spoolDir: opts.spool_dir,
      localRunId: request.runName,
      onOffline: (err) =>
        log.warn(
          `mlflow tracker: ${err.message}; the run goes on, records are spooled in ${opts.spool_dir} ` +
            "(send them later with `batteryml tracking sync`)",
        ),
    },
    request,
    remote,
  );
}

/** Where an open run is, for a sweep's handle: undefined for a server run that could not be created. */
function locateRun(run: RunLogger): MlflowSweepHandle | undefined {
  if (run instanceof FileStoreRun) return { parentRunId: run.runId, experimentId: run.meta.experiment_id };
  const remote = (run as RestRun).remote;
  return remote &&
    { parentRunId: remote.runId, experimentId: remote.experimentId, artifactUri: remote.artifactUri };
}

/**
 * The store an earlier BatteryML wrote by default (`<output.dir>/mlruns`), which MLflow ≥ 3.8 cannot open:
 * a run says once how to move it.
 */
async function warnAboutOldStore(opts: ResolvedMlflowOptions, outputDir: string, log: Logger): Promise<void> {
  const old = join(outputDir, "mlruns");
  if (!opts.tracking_uri.startsWith("file:") || !artifactsAncestor(old)) return;
  if (!(await Deno.stat(join(old, "0", "meta.yaml")).then(() => true, () => false))) return;
  log.warn(
    `mlflow tracker: runs of an earlier BatteryML are in ${old}, which MLflow >= 3.8 cannot open; ` +
      `move them with \`batteryml tracking migrate --from ${old} --to ${fileStorePath(opts.tracking_uri)}\``,
  );
}

function createMlflow(opts: ResolvedMlflowOptions, log: Logger, outputDir = "artifacts"): FullTracker {
  let run: RunLogger | undefined;
  const renamed = new Set<string>();
  const open = () => {
    if (!run) throw new Error("mlflow tracker: start() was not called");
    return run;
  };
  /** A valid MLflow key for `key`; each renamed key is reported once, so nothing changes silently. */
  const key = (raw: string) => {
    const valid = sanitizeKey(raw);
    if (valid !== raw && !renamed.has(raw)) {
      renamed.add(raw);
      log.warn(`mlflow tracker: key '${raw}' is logged as '${valid}' (MLflow's key rules)`);
    }
    return valid;
  };
  const sweepDeps: SweepHookDeps = {
    open: (request, existing) => openRun(opts, request, log, existing),
    locate: locateRun,
    baseTags: async () => baseTags(await gitCommit()),
    userId: userIdOf(),
    experimentName: opts.experiment_name,
    key,
    log,
  };
  return {
    async start(info: RunInfo) {
      await warnAboutOldStore(opts, outputDir, log).catch(() => {});
      run = await openRun(opts, startRequest(info, opts.experiment_name, await gitCommit()), log);
      await run.logArtifactBytes("config.yaml", info.configYaml);
    },
    async params(values) {
      const out: Record<string, string> = {};
      for (const [k, v] of Object.entries(values)) {
        const cut = truncateValue(String(v), MAX_PARAM_VALUE_LENGTH);
        if (cut.truncated) {
          log.warn(`mlflow tracker: param '${k}' cut to ${MAX_PARAM_VALUE_LENGTH} characters`);
        }
        out[key(k)] = cut.value;
      }
      await open().logParams(out);
    },
    async metrics(values, step) {
      const timestamp = Date.now();
      await open().logMetrics(
        Object.entries(values).map(([k, value]) => ({ key: key(k), value, timestamp, step })),
      );
    },
    async text(name, markdown) {
      await open().logArtifactBytes(`text/${key(name)}.md`, markdown);
    },
    async figure(name: string, figure: Figure) {
      if (figure.svg) await open().logArtifactBytes(`figures/${key(name)}.svg`, figure.svg);
      if (figure.png) await open().logArtifactBytes(`figures/${key(name)}.png`, figure.png);
    },
    async artifact(path, name) {
      await open().logArtifactFile(path, name ?? basename(path));
    },
    async end(status: RunStatus) {
      await open().end(status, Date.now());
    },
    sweepStart: (sweep, previous) => startParentRun(sweepDeps, sweep, previous),
    sweepEnd: (sweep, handle, outcome) => endParentRun(sweepDeps, sweep, handle, outcome),
  };
}

/**
 * The run request: run name = BatteryML run id, plus the tags MLflow's UI shows; a sweep point's run is
 * a child of the sweep's parent run.
 */
function startRequest(info: RunInfo, experimentName: string, commit: string | undefined): StartRunRequest {
  return {
    experimentName,
    runName: info.runId,
    startTime: info.startedAt.getTime(),
    userId: userIdOf(),
    tags: {
      "mlflow.runName": info.runId,
      ...baseTags(commit),
      "batteryml.run_id": info.runId,
      "batteryml.config_hash": info.configHash,
      "batteryml.run_dir": info.runDir,
      ...childTags(info.sweep),
    },
  };
}

/** The tags of every run: who, from where, at which commit. */
function baseTags(commit: string | undefined): Record<string, string> {
  return {
    "mlflow.user": userIdOf(),
    "mlflow.source.name": "batteryml",
    "mlflow.source.type": "LOCAL",
    // As MLflow's own client does when the working folder is a git checkout.
    ...(commit ? { "mlflow.source.git.commit": commit } : {}),
  };
}

function userIdOf(): string {
  return envOrUndefined("USER") ?? envOrUndefined("USERNAME") ?? "unknown";
}

/** An environment variable, or undefined when unset or not permitted (--allow-env is optional here). */
function envOrUndefined(name: string): string | undefined {
  try {
    return Deno.env.get(name) || undefined;
  } catch {
    return undefined;
  }
}

/** The `mlflow` tracker definition. */
const mlflow = defineTracker({
  kind: "tracker",
  name: "mlflow",
  version: "0.1.0",
  apiVersion: 1,
  description:
    "MLflow tracking: a file store (mlflow ui) or a tracking server over REST, with an offline spool.",
  options,
  create: (o: MlflowOptions, ctx) =>
    createMlflow(resolveMlflowOptions(o, ctx.outputDir), ctx.log, ctx.outputDir),
});
export default mlflow;
