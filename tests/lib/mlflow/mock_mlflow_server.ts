/**
 * An in-process mock of an MLflow tracking server for tests: the REST endpoints the tracker uses, with
 * MLflow's validation (key rules, param immutability) and log-batch limits (a batch over them is
 * refused with 400 INVALID_PARAMETER_VALUE, as the real server does), the artifact proxy, and fault
 * injection (5xx, delays, going down and coming back on the same port).
 */

/** A metric as stored by the mock. */
export interface StoredMetric {
  key: string;
  value: number | string;
  timestamp: number;
  step: number;
}

/** A run as stored by the mock. */
export interface MockRun {
  runId: string;
  experimentId: string;
  runName: string;
  status: string;
  startTime: number;
  endTime?: number;
  userId?: string;
  artifactUri: string;
  metrics: StoredMetric[];
  params: Map<string, string>;
  tags: Map<string, string>;
}

/** One request as the mock saw it. */
export interface SeenRequest {
  method: string;
  path: string;
  /** Parsed JSON body, if any. */
  body?: Record<string, unknown>;
}

const LIMITS = { metrics: 1000, params: 100, tags: 100, total: 1000 };
const KEY_PATTERN = /^[/\w.\- :]*$/;
const API = "/api/2.0/mlflow/";
const ARTIFACTS = "/api/2.0/mlflow-artifacts/artifacts/";

class ApiError extends Error {
  constructor(readonly status: number, readonly errorCode: string, message: string) {
    super(message);
  }
}

/** The mock server; `start()` binds 127.0.0.1 on a free port. */
export class MockMlflowServer {
  experiments = new Map<string, { id: string; name: string; lifecycleStage: string }>();
  runs = new Map<string, MockRun>();
  artifacts = new Map<string, Uint8Array>();
  requests: SeenRequest[] = [];
  /** Status codes to answer the next requests with, first to last (e.g. [503, 503]). */
  failures: number[] = [];
  /** Delays (ms) to apply to the next requests; an aborted delayed request changes nothing. */
  delays: number[] = [];
  /** Artifact URIs of new runs use the proxy scheme unless set to e.g. "s3://bucket". */
  artifactRoot = "mlflow-artifacts:";
  port = 0;
  #server: Deno.HttpServer | undefined;
  #nextExperimentId = 1;

  /** Starts listening (on the previous port when restarting). */
  start(): Promise<void> {
    return new Promise((resolve) => {
      this.#server = Deno.serve(
        { hostname: "127.0.0.1", port: this.port, onListen: ({ port }) => (this.port = port, resolve()) },
        (req) => this.#handle(req),
      );
    });
  }

  /** Stops listening: clients now get connection errors, as with a server that went down. */
  async stop(): Promise<void> {
    await this.#server?.shutdown();
    this.#server = undefined;
  }

  /** Base URL of the server. */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Requests whose path ends with `suffix`. */
  calls(suffix: string): SeenRequest[] {
    return this.requests.filter((r) => r.path.endsWith(suffix));
  }

  async #handle(req: Request): Promise<Response> {
    const url = new URL(req.url);
    const bytes = new Uint8Array(await req.arrayBuffer());
    const body = isJson(req) && bytes.length > 0 ? JSON.parse(new TextDecoder().decode(bytes)) : undefined;
    this.requests.push({ method: req.method, path: url.pathname, body });
    const delay = this.delays.shift();
    if (delay !== undefined && await abortedDuring(delay, req.signal)) {
      return new Response(null, { status: 499 });
    }
    const failure = this.failures.shift();
    if (failure !== undefined) return errorResponse(failure, "INTERNAL_ERROR", "injected failure");
    try {
      const result = url.pathname.startsWith(ARTIFACTS)
        ? this.#artifact(req.method, url.pathname.slice(ARTIFACTS.length), bytes)
        : this.#api(req.method, url.pathname.slice(API.length), url.searchParams, body ?? {});
      return Response.json(result);
    } catch (err) {
      if (err instanceof ApiError) return errorResponse(err.status, err.errorCode, err.message);
      return errorResponse(500, "INTERNAL_ERROR", String(err));
    }
  }

  #api(method: string, route: string, query: URLSearchParams, body: Record<string, unknown>): unknown {
    const key = `${method} ${route}`;
    if (key === "GET experiments/get-by-name") return this.#getExperiment(query.get("experiment_name"));
    if (key === "POST experiments/create") return this.#createExperiment(body);
    if (key === "POST runs/create") return this.#createRun(body);
    if (key === "POST runs/log-batch") return this.#logBatch(body);
    if (key === "POST runs/update") return this.#updateRun(body);
    throw new ApiError(404, "ENDPOINT_NOT_FOUND", `no endpoint ${key}`);
  }

  #getExperiment(name: string | null): unknown {
    const experiment = name === null ? undefined : this.experiments.get(name);
    if (!experiment) {
      throw new ApiError(404, "RESOURCE_DOES_NOT_EXIST", `experiment '${name}' does not exist`);
    }
    return {
      experiment: { experiment_id: experiment.id, name, lifecycle_stage: experiment.lifecycleStage },
    };
  }

  #createExperiment(body: Record<string, unknown>): unknown {
    const name = requireString(body, "name");
    if (this.experiments.has(name)) {
      throw new ApiError(400, "RESOURCE_ALREADY_EXISTS", `experiment '${name}' already exists`);
    }
    const id = String(this.#nextExperimentId++);
    this.experiments.set(name, { id, name, lifecycleStage: "active" });
    return { experiment_id: id };
  }

  #createRun(body: Record<string, unknown>): unknown {
    const experimentId = requireString(body, "experiment_id");
    if (![...this.experiments.values()].some((e) => e.id === experimentId)) {
      throw new ApiError(404, "RESOURCE_DOES_NOT_EXIST", `no experiment ${experimentId}`);
    }
    const runId = crypto.randomUUID().replaceAll("-", "");
    const run: MockRun = {
      runId,
      experimentId,
      runName: String(body.run_name ?? ""),
      status: "RUNNING",
      startTime: Number(body.start_time),
      userId: body.user_id as string | undefined,
      artifactUri: `${this.artifactRoot}/${experimentId}/${runId}/artifacts`,
      metrics: [],
      params: new Map(),
      tags: new Map(),
    };
    for (const t of keyValues(body.tags, "tags")) run.tags.set(t.key, t.value);
    this.runs.set(runId, run);
    return {
      run: { info: { run_id: runId, run_uuid: runId, artifact_uri: run.artifactUri, status: "RUNNING" } },
    };
  }

  #logBatch(body: Record<string, unknown>): unknown {
    const run = this.#run(body);
    const metrics = (body.metrics ?? []) as StoredMetric[];
    const params = keyValues(body.params, "params");
    const tags = keyValues(body.tags, "tags");
    checkLimits(metrics.length, params.length, tags.length);
    for (const m of metrics) checkMetric(m);
    for (const p of params) {
      checkKey(p.key);
      const old = run.params.get(p.key);
      if (old !== undefined && old !== p.value) {
        throw new ApiError(
          400,
          "INVALID_PARAMETER_VALUE",
          `param '${p.key}' already logged with another value`,
        );
      }
    }
    for (const t of tags) checkKey(t.key);
    for (const p of params) run.params.set(p.key, p.value);
    for (const t of tags) run.tags.set(t.key, t.value);
    run.metrics.push(
      ...metrics.map((m) => ({ key: m.key, value: m.value, timestamp: m.timestamp, step: m.step })),
    );
    return {};
  }

  #updateRun(body: Record<string, unknown>): unknown {
    const run = this.#run(body);
    const status = requireString(body, "status");
    if (!["RUNNING", "SCHEDULED", "FINISHED", "FAILED", "KILLED"].includes(status)) {
      throw new ApiError(400, "INVALID_PARAMETER_VALUE", `bad status ${status}`);
    }
    run.status = status;
    run.endTime = Number(body.end_time);
    return { run_info: { run_id: run.runId, status } };
  }

  #artifact(method: string, path: string, bytes: Uint8Array): unknown {
    const decoded = path.split("/").map(decodeURIComponent).join("/");
    const [experimentId, runId, root] = decoded.split("/");
    if (method !== "PUT") throw new ApiError(405, "BAD_REQUEST", `${method} not supported by the mock`);
    if (this.runs.get(runId)?.experimentId !== experimentId || root !== "artifacts") {
      throw new ApiError(404, "RESOURCE_DOES_NOT_EXIST", `no run folder for ${decoded}`);
    }
    this.artifacts.set(decoded, bytes);
    return {};
  }

  #run(body: Record<string, unknown>): MockRun {
    const runId = requireString(body, "run_id");
    const run = this.runs.get(runId);
    if (!run) throw new ApiError(404, "RESOURCE_DOES_NOT_EXIST", `run ${runId} does not exist`);
    return run;
  }
}

function checkLimits(metrics: number, params: number, tags: number): void {
  const over = [
    metrics > LIMITS.metrics ? `${metrics} metrics (max ${LIMITS.metrics})` : "",
    params > LIMITS.params ? `${params} params (max ${LIMITS.params})` : "",
    tags > LIMITS.tags ? `${tags} tags (max ${LIMITS.tags})` : "",
    metrics + params + tags > LIMITS.total ? `${metrics + params + tags} entries (max ${LIMITS.total})` : "",
  ].filter((s) => s !== "");
  if (over.length > 0) {
    throw new ApiError(400, "INVALID_PARAMETER_VALUE", `batch too large: ${over.join(", ")}`);
  }
}

function checkMetric(m: StoredMetric): void {
  checkKey(m.key);
  const okValue = typeof m.value === "number" || ["NaN", "Infinity", "-Infinity"].includes(String(m.value));
  if (!okValue || !Number.isInteger(m.timestamp) || !Number.isInteger(m.step)) {
    throw new ApiError(400, "INVALID_PARAMETER_VALUE", `bad metric ${JSON.stringify(m)}`);
  }
}

function checkKey(key: unknown): void {
  if (typeof key !== "string" || key === "" || key.length > 250 || !KEY_PATTERN.test(key)) {
    throw new ApiError(400, "INVALID_PARAMETER_VALUE", `invalid key ${JSON.stringify(key)}`);
  }
  const segments = key.split("/");
  if (key.startsWith("/") || segments.some((s) => s === "" || s === "." || s === "..")) {
    throw new ApiError(400, "INVALID_PARAMETER_VALUE", `key ${JSON.stringify(key)} is not a normalised path`);
  }
}

function keyValues(value: unknown, field: string): { key: string; value: string }[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new ApiError(400, "INVALID_PARAMETER_VALUE", `'${field}' is not a list`);
  for (const kv of value) {
    if (typeof kv?.key !== "string" || typeof kv?.value !== "string") {
      throw new ApiError(400, "INVALID_PARAMETER_VALUE", `bad entry in '${field}': ${JSON.stringify(kv)}`);
    }
  }
  return value;
}

function requireString(body: Record<string, unknown>, field: string): string {
  const v = body[field];
  if (typeof v !== "string" || v === "") {
    throw new ApiError(400, "INVALID_PARAMETER_VALUE", `missing value for required parameter '${field}'`);
  }
  return v;
}

function isJson(req: Request): boolean {
  return (req.headers.get("content-type") ?? "").includes("application/json");
}

function errorResponse(status: number, errorCode: string, message: string): Response {
  return Response.json({ error_code: errorCode, message }, { status });
}

/** Waits `ms`; true when the client gave up first. */
function abortedDuring(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(signal.aborted), ms);
    signal.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve(true);
    }, { once: true });
  });
}
