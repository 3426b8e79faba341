/**
 * Writes MLflow's file store layout (`mlflow ui --backend-store-uri file:./artifacts/mlruns`): experiment
 * and run `meta.yaml` with exactly the fields MLflow persists, append-only metric files
 * (`<ms> <value> <step>` lines), immutable params, tags (incl. `mlflow.runName`) and plain-file artifacts.
 * `meta.yaml` changes are atomic (temp file + rename), so the UI never reads half a file.
 */
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { writeFileAtomic } from "../io/mod.ts";
import { MlflowRequestError } from "./_errors.ts";
import { safeArtifactPath, validateKey } from "./keys.ts";
import { listFiles } from "./_local_files.ts";
import type { MetricEntry, RunLogger, StartRunRequest } from "./run_logger.ts";
import { RUN_STATUS_CODES, SOURCE_TYPE_LOCAL, type TerminalStatus } from "./_run_status.ts";

/** The experiment every file store has, created with the store. */
const DEFAULT_EXPERIMENT = { id: "0", name: "Default" };
/** Folders at the store root that are not experiments. */
const NON_EXPERIMENT_DIRS = new Set([".trash", "models"]);
/** Digits of generated experiment ids, like the ids MLflow's file store generates. */
const EXPERIMENT_ID_DIGITS = 18;

/** Persisted experiment metadata (the fields of an experiment `meta.yaml`). */
export interface ExperimentMeta {
  artifact_location: string;
  creation_time: number;
  experiment_id: string;
  last_update_time: number;
  lifecycle_stage: "active" | "deleted";
  name: string;
}

/** Persisted run metadata (the fields of a run `meta.yaml`). */
export interface RunMeta {
  artifact_uri: string;
  deleted_time: number | null;
  end_time: number | null;
  entry_point_name: string;
  experiment_id: string;
  lifecycle_stage: "active" | "deleted";
  run_id: string;
  run_name: string;
  run_uuid: string;
  source_name: string;
  source_type: number;
  source_version: string;
  start_time: number;
  status: number;
  tags: never[];
  user_id: string;
}

/** Turns `file:./x`, `file:///abs/x` or a plain path into an absolute folder path. */
export function fileStoreRoot(uri: string): string {
  if (uri.startsWith("file://")) return fileURLToPath(uri);
  if (uri.startsWith("file:")) return resolve(uri.slice("file:".length));
  return resolve(uri);
}

/** A file store rooted at an absolute folder. */
export class FileStore {
  readonly root: string;

  constructor(rootOrUri: string) {
    this.root = fileStoreRoot(rootOrUri);
  }

  /** The id of the active experiment `name`, creating it (and the store) when absent. */
  async ensureExperiment(name: string): Promise<string> {
    await this.#ensureStore();
    const existing = await this.#findExperiment(name);
    if (existing?.lifecycle_stage === "deleted") {
      throw new MlflowRequestError(
        0,
        "INVALID_STATE",
        `experiment '${name}' is deleted; restore it or pick another name`,
      );
    }
    if (existing) return existing.experiment_id;
    return (await this.#createExperiment(name, await this.#newExperimentId())).experiment_id;
  }

  /** Creates a RUNNING run in `experimentId`. */
  async createRun(
    experimentId: string,
    request: Omit<StartRunRequest, "experimentName">,
  ): Promise<FileStoreRun> {
    const experimentDir = join(this.root, experimentId);
    const runId = crypto.randomUUID().replaceAll("-", "");
    const runDir = join(experimentDir, runId);
    await Deno.mkdir(join(runDir, "artifacts"), { recursive: true });
    for (const sub of ["metrics", "params", "tags"]) await Deno.mkdir(join(runDir, sub));
    const meta = newRunMeta(runId, experimentId, request, pathToFileURL(join(runDir, "artifacts")).href);
    await writeMetaYaml(join(runDir, "meta.yaml"), meta);
    const run = new FileStoreRun(runDir, meta);
    await run.setTags({ "mlflow.runName": request.runName, ...request.tags });
    return run;
  }

  /**
   * Reopens run `runId` of `experimentId` (written by another process, e.g. a sweep's parent run) to log
   * more and end it again; a run that is not there is an error naming its folder.
   */
  async openRun(experimentId: string, runId: string): Promise<FileStoreRun> {
    const runDir = join(this.root, experimentId, runId);
    const meta = await readYaml<RunMeta>(join(runDir, "meta.yaml"));
    if (meta?.run_id !== runId) {
      throw new MlflowRequestError(
        0,
        "RESOURCE_DOES_NOT_EXIST",
        `no run ${runId} in experiment ${experimentId} of the file store (${runDir}/meta.yaml)`,
      );
    }
    return new FileStoreRun(runDir, meta);
  }

  /** Creates the root, `.trash/` and the Default experiment "0", as MLflow does for a new store. */
  async #ensureStore(): Promise<void> {
    await Deno.mkdir(join(this.root, ".trash"), { recursive: true });
    if (!await exists(join(this.root, DEFAULT_EXPERIMENT.id, "meta.yaml"))) {
      await this.#createExperiment(DEFAULT_EXPERIMENT.name, DEFAULT_EXPERIMENT.id);
    }
  }

  async #createExperiment(name: string, id: string): Promise<ExperimentMeta> {
    const now = Date.now();
    const dir = join(this.root, id);
    const meta: ExperimentMeta = {
      artifact_location: pathToFileURL(dir).href,
      creation_time: now,
      experiment_id: id,
      last_update_time: now,
      lifecycle_stage: "active",
      name,
    };
    await Deno.mkdir(dir, { recursive: true });
    await writeMetaYaml(join(dir, "meta.yaml"), meta);
    return meta;
  }

  /** Looks in the root (active) and in `.trash` (deleted) for an experiment called `name`. */
  async #findExperiment(name: string): Promise<ExperimentMeta | undefined> {
    for (const base of [this.root, join(this.root, ".trash")]) {
      for await (const entry of Deno.readDir(base)) {
        if (!entry.isDirectory || NON_EXPERIMENT_DIRS.has(entry.name)) continue;
        const meta = await readYaml<ExperimentMeta>(join(base, entry.name, "meta.yaml"));
        if (meta?.name === name) return base === this.root ? meta : { ...meta, lifecycle_stage: "deleted" };
      }
    }
    return undefined;
  }

  async #newExperimentId(): Promise<string> {
    for (;;) {
      const id = randomDigits(EXPERIMENT_ID_DIGITS);
      if (!await exists(join(this.root, id)) && !await exists(join(this.root, ".trash", id))) return id;
    }
  }
}

/** One run of a file store. */
export class FileStoreRun implements RunLogger {
  readonly dir: string;
  #meta: RunMeta;

  constructor(dir: string, meta: RunMeta) {
    this.dir = dir;
    this.#meta = meta;
  }

  /** The run's 32-hex id. */
  get runId(): string {
    return this.#meta.run_id;
  }

  /** A copy of the run's current `meta.yaml` fields. */
  get meta(): RunMeta {
    return { ...this.#meta };
  }

  /** Writes params; re-logging a key with another value is refused, as MLflow's params are immutable. */
  async logParams(params: Record<string, string>): Promise<void> {
    for (const [key, value] of Object.entries(params)) {
      validateKey(key, "param key");
      const path = join(this.dir, "params", key);
      const previous = await Deno.readTextFile(path).catch(() => undefined);
      if (previous === value) continue;
      if (previous !== undefined) {
        throw new MlflowRequestError(
          0,
          "INVALID_PARAMETER_VALUE",
          `param '${key}' was already logged as ${JSON.stringify(previous)}; params are immutable, got ${
            JSON.stringify(value)
          }`,
        );
      }
      await writeFileAtomic(path, value);
    }
  }

  /** Appends one `<timestamp_ms> <value> <step>` line per metric to `metrics/<key>`. */
  async logMetrics(metrics: readonly MetricEntry[]): Promise<void> {
    const linesByKey = new Map<string, string>();
    for (const m of metrics) {
      validateKey(m.key, "metric key");
      if (!Number.isSafeInteger(m.step)) {
        throw new MlflowRequestError(
          0,
          "INVALID_PARAMETER_VALUE",
          `metric '${m.key}' step ${m.step} is not an integer`,
        );
      }
      linesByKey.set(m.key, (linesByKey.get(m.key) ?? "") + metricLine(m));
    }
    for (const [key, lines] of linesByKey) {
      const path = join(this.dir, "metrics", key);
      await Deno.mkdir(dirname(path), { recursive: true });
      await Deno.writeTextFile(path, lines, { append: true });
    }
  }

  /** Writes tags (mutable: a later value replaces an earlier one). */
  async setTags(tags: Record<string, string>): Promise<void> {
    for (const [key, value] of Object.entries(tags)) {
      validateKey(key, "tag key");
      await writeFileAtomic(join(this.dir, "tags", key), value);
    }
  }

  /** Copies a file or a folder into `artifacts/<artifactPath>`. */
  async logArtifactFile(localPath: string, artifactPath: string): Promise<void> {
    const base = safeArtifactPath(artifactPath);
    for (const file of await listFiles(localPath)) {
      const target = join(this.dir, "artifacts", file.relative ? `${base}/${file.relative}` : base);
      await Deno.mkdir(dirname(target), { recursive: true });
      await Deno.copyFile(file.absolute, target);
    }
  }

  /** Writes `data` as `artifacts/<artifactPath>`. */
  async logArtifactBytes(artifactPath: string, data: Uint8Array | string): Promise<void> {
    await writeFileAtomic(join(this.dir, "artifacts", safeArtifactPath(artifactPath)), data);
  }

  /** Sets the final status and end time in `meta.yaml` (atomically). */
  async end(status: TerminalStatus, endTime: number): Promise<void> {
    this.#meta = { ...this.#meta, status: RUN_STATUS_CODES[status], end_time: endTime };
    await writeMetaYaml(join(this.dir, "meta.yaml"), this.#meta);
  }
}

function newRunMeta(
  runId: string,
  experimentId: string,
  request: Omit<StartRunRequest, "experimentName">,
  artifactUri: string,
): RunMeta {
  return {
    artifact_uri: artifactUri,
    deleted_time: null,
    end_time: null,
    entry_point_name: "",
    experiment_id: experimentId,
    lifecycle_stage: "active",
    run_id: runId,
    run_name: request.runName,
    run_uuid: runId,
    source_name: "",
    source_type: SOURCE_TYPE_LOCAL,
    source_version: "",
    start_time: request.startTime,
    status: RUN_STATUS_CODES.RUNNING,
    tags: [],
    user_id: request.userId,
  };
}

/** `String(x)` is what Python's `float()` reads back, including NaN and ±Infinity. */
function metricLine(m: MetricEntry): string {
  return `${Math.round(m.timestamp)} ${String(m.value)} ${m.step}\n`;
}

/** YAML as Python's `yaml.safe_dump` writes it: sorted keys, single-quoted strings when quoting is needed. */
/** Writes a meta.yaml as MLflow's FileStore does (sorted keys), atomically. */
export async function writeMetaYaml(path: string, value: object): Promise<void> {
  await writeFileAtomic(
    path,
    stringifyYaml(value, { sortMapEntries: true, singleQuote: true, lineWidth: 0 }),
  );
}

async function readYaml<T>(path: string): Promise<T | undefined> {
  const text = await Deno.readTextFile(path).catch(() => undefined);
  return text === undefined ? undefined : parseYaml(text) as T;
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return false;
    throw err;
  }
}

/** A decimal id of `n` digits not starting with 0 (so it round-trips through int parsing). */
function randomDigits(n: number): string {
  const bytes = crypto.getRandomValues(new Uint8Array(n));
  const digits = Array.from(bytes, (b) => String(b % 10));
  if (digits[0] === "0") digits[0] = String(1 + (bytes[0] % 9));
  return digits.join("");
}
