/**
 * A thin fetch-based client of MLflow's tracking REST API (`/api/2.0/mlflow/...`) and its artifact proxy
 * (`/api/2.0/mlflow-artifacts/artifacts/...`). Every request has a timeout; network errors, timeouts,
 * 429 and 5xx are retried with exponential back-off; a 4xx is final. Works with 2.x and 3.x servers.
 */
import { MlflowRequestError, MlflowUnavailableError } from "./_errors.ts";
import { type Batch, LOG_BATCH_LIMITS, splitBatch } from "./_batch.ts";
import type { TerminalStatus } from "./_run_status.ts";

/** Options of the client. */
export interface RestClientOptions {
  /** Server base URL, e.g. `http://127.0.0.1:5000`. */
  trackingUri: string;
  /** Per-request timeout in ms (default 10 000). */
  timeoutMs?: number;
  /** Retries after the first try (default 3). */
  maxRetries?: number;
  /** First back-off delay in ms, doubled per retry (default 250). */
  backoffMs?: number;
  /** Longest back-off delay in ms (default 8 000). */
  maxBackoffMs?: number;
  /** Bearer token (MLFLOW_TRACKING_TOKEN), if the server wants one. */
  token?: string;
}

/** What `runs/create` returns that the tracker needs. */
export interface CreatedRun {
  runId: string;
  artifactUri: string;
}

/** Arguments of `runs/create`. */
export interface CreateRunArgs {
  experimentId: string;
  runName: string;
  startTime: number;
  userId: string;
  tags: Record<string, string>;
}

/** A failed try that may succeed later. */
interface RetryableFailure {
  problem: string;
  retryAfterMs: number;
}

/** The request description handed to `request`. */
interface RequestSpec {
  method: "GET" | "POST" | "PUT";
  path: string;
  query?: Record<string, string>;
  json?: unknown;
  body?: Uint8Array<ArrayBuffer>;
}

const API = "/api/2.0/mlflow";
const ARTIFACTS_API = "/api/2.0/mlflow-artifacts/artifacts";

/** Client of one tracking server. */
export class MlflowRestClient {
  readonly baseUrl: string;
  readonly #timeoutMs: number;
  readonly #maxRetries: number;
  readonly #backoffMs: number;
  readonly #maxBackoffMs: number;
  readonly #token: string | undefined;

  constructor(options: RestClientOptions) {
    this.baseUrl = options.trackingUri.replace(/\/+$/, "");
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#maxRetries = options.maxRetries ?? 3;
    this.#backoffMs = options.backoffMs ?? 250;
    this.#maxBackoffMs = options.maxBackoffMs ?? 8_000;
    this.#token = options.token;
  }

  /** The experiment `name` (id and lifecycle stage), or undefined when the server has none. */
  async getExperimentByName(name: string): Promise<{ id: string; lifecycleStage: string } | undefined> {
    try {
      const res = await this.request<{ experiment: { experiment_id: string; lifecycle_stage?: string } }>({
        method: "GET",
        path: `${API}/experiments/get-by-name`,
        query: { experiment_name: name },
      });
      return { id: res.experiment.experiment_id, lifecycleStage: res.experiment.lifecycle_stage ?? "active" };
    } catch (err) {
      if (err instanceof MlflowRequestError && err.errorCode === "RESOURCE_DOES_NOT_EXIST") return undefined;
      throw err;
    }
  }

  /** Creates experiment `name`; returns its id. */
  async createExperiment(name: string): Promise<string> {
    const res = await this.request<{ experiment_id: string }>({
      method: "POST",
      path: `${API}/experiments/create`,
      json: { name },
    });
    return res.experiment_id;
  }

  /** The id of active experiment `name`, creating it when absent (tolerating a concurrent creator). */
  async ensureExperiment(name: string): Promise<string> {
    const found = await this.getExperimentByName(name);
    if (found?.lifecycleStage === "deleted") {
      throw new MlflowRequestError(
        0,
        "INVALID_STATE",
        `experiment '${name}' is deleted on the server; restore it or pick another name`,
      );
    }
    if (found) return found.id;
    try {
      return await this.createExperiment(name);
    } catch (err) {
      if (!(err instanceof MlflowRequestError && err.errorCode === "RESOURCE_ALREADY_EXISTS")) throw err;
      const raced = await this.getExperimentByName(name);
      if (!raced) throw err;
      return raced.id;
    }
  }

  /** Creates a run; returns its id and artifact URI. */
  async createRun(args: CreateRunArgs): Promise<CreatedRun> {
    const res = await this.request<{ run: { info: { run_id: string; artifact_uri: string } } }>({
      method: "POST",
      path: `${API}/runs/create`,
      json: {
        experiment_id: args.experimentId,
        run_name: args.runName,
        start_time: args.startTime,
        user_id: args.userId,
        tags: Object.entries(args.tags).map(([key, value]) => ({ key, value })),
      },
    });
    return { runId: res.run.info.run_id, artifactUri: res.run.info.artifact_uri };
  }

  /** Logs metrics, params and tags, in as many `runs/log-batch` requests as the limits need. */
  async logBatch(runId: string, batch: Batch): Promise<void> {
    for (const part of splitBatch(batch, LOG_BATCH_LIMITS)) {
      await this.request({ method: "POST", path: `${API}/runs/log-batch`, json: { run_id: runId, ...part } });
    }
  }

  /** Ends a run with `status` at `endTime` (ms). */
  async updateRun(runId: string, status: TerminalStatus, endTime: number): Promise<void> {
    await this.request({
      method: "POST",
      path: `${API}/runs/update`,
      json: { run_id: runId, run_uuid: runId, status, end_time: endTime },
    });
  }

  /** Uploads one artifact through the server's artifact proxy (needs an `mlflow-artifacts:` artifact URI). */
  async uploadArtifact(
    artifactUri: string,
    artifactPath: string,
    data: Uint8Array<ArrayBuffer>,
  ): Promise<void> {
    await this.request({ method: "PUT", path: artifactProxyPath(artifactUri, artifactPath), body: data });
  }

  /** Sends one request with timeout and retries; returns the parsed JSON body. */
  async request<T = unknown>(spec: RequestSpec): Promise<T> {
    let last: RetryableFailure = { problem: "", retryAfterMs: 0 };
    for (let attempt = 0; attempt <= this.#maxRetries; attempt++) {
      if (attempt > 0) await sleep(this.#delay(attempt, last.retryAfterMs));
      const outcome = await this.#attempt(spec);
      if ("value" in outcome) return outcome.value as T;
      last = outcome;
    }
    throw new MlflowUnavailableError(
      `MLflow server ${this.baseUrl} unavailable: ${spec.method} ${spec.path} failed ${
        this.#maxRetries + 1
      } times; last: ${last.problem}`,
    );
  }

  /** One try: a value, a retryable failure, or a thrown MlflowRequestError for a final 4xx. */
  async #attempt(spec: RequestSpec): Promise<{ value: unknown } | RetryableFailure> {
    let response: Response;
    try {
      response = await fetch(this.#url(spec), {
        method: spec.method,
        headers: this.#headers(spec),
        body: spec.json !== undefined ? JSON.stringify(spec.json) : spec.body,
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (err) {
      const timedOut = err instanceof DOMException && err.name === "TimeoutError";
      return { problem: timedOut ? `timed out after ${this.#timeoutMs} ms` : String(err), retryAfterMs: 0 };
    }
    const text = await response.text().catch((err) => `(body unreadable: ${err})`);
    if (response.ok) return { value: text ? JSON.parse(text) : {} };
    if (response.status === 429 || response.status >= 500) {
      return {
        problem: `HTTP ${response.status}: ${text.slice(0, 200)}`,
        retryAfterMs: retryAfterMs(response),
      };
    }
    throw requestError(response.status, text);
  }

  #url(spec: RequestSpec): string {
    const url = new URL(this.baseUrl + spec.path);
    for (const [k, v] of Object.entries(spec.query ?? {})) url.searchParams.set(k, v);
    return url.href;
  }

  #headers(spec: RequestSpec): Headers {
    const headers = new Headers();
    if (spec.json !== undefined) headers.set("Content-Type", "application/json");
    else if (spec.body !== undefined) headers.set("Content-Type", "application/octet-stream");
    if (this.#token) headers.set("Authorization", `Bearer ${this.#token}`);
    return headers;
  }

  /** Exponential back-off; a server's Retry-After wins when longer, up to the cap. */
  #delay(attempt: number, retryAfter: number): number {
    const exponential = this.#backoffMs * 2 ** (attempt - 1);
    return Math.min(this.#maxBackoffMs, Math.max(exponential, retryAfter));
  }
}

/** `mlflow-artifacts:/1/abc/artifacts` (or with `//host:port`) + `a/b.png` → proxy path. */
export function artifactProxyPath(artifactUri: string, artifactPath: string): string {
  const match = /^mlflow-artifacts:(?:\/\/[^/]*)?\/?(.*)$/.exec(artifactUri);
  if (!match) {
    throw new MlflowRequestError(
      0,
      "UNSUPPORTED_ARTIFACT_STORE",
      `run artifact URI '${artifactUri}' is not served by the tracking server (mlflow-artifacts:); start the server with artifact proxying (--serve-artifacts)`,
    );
  }
  const segments = [...match[1].split("/"), ...artifactPath.split("/")].filter((s) => s !== "");
  return `${ARTIFACTS_API}/${segments.map(encodeURIComponent).join("/")}`;
}

/** A server's Retry-After header (seconds form) in ms; 0 when absent. */
function retryAfterMs(response: Response): number {
  const seconds = Number(response.headers.get("Retry-After"));
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 0;
}

function requestError(status: number, text: string): MlflowRequestError {
  try {
    const body = JSON.parse(text) as { error_code?: string; message?: string };
    return new MlflowRequestError(status, body.error_code ?? "UNKNOWN", body.message ?? text);
  } catch {
    return new MlflowRequestError(status, "UNKNOWN", text.slice(0, 500));
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
