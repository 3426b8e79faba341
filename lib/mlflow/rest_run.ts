/**
 * A run tracked on an MLflow server. Every record goes to the run's spool first, then to the server.
 * When the server cannot be reached the run carries on offline: records stay in the spool and
 * `syncSpool` (CLI: `batteryml tracking sync`) sends them later. At the end one more attempt is made,
 * so a short outage heals by itself.
 */
import { isUnavailable } from "./_errors.ts";
import { wireMetricValue } from "./_batch.ts";
import { isComplete, sendRecords } from "./_replay.ts";
import { MlflowRestClient, type RestClientOptions } from "./_rest_client.ts";
import type { MetricEntry, RunLogger, StartRunRequest } from "./run_logger.ts";
import type { TerminalStatus } from "./_run_status.ts";
import { RunSpool, type SpoolRecord, type SpoolState } from "./_spool.ts";

/** Options of a REST-tracked run. */
export interface RestRunOptions extends RestClientOptions {
  /** Folder of the spools (e.g. `artifacts/mlflow-spool`). */
  spoolDir: string;
  /** Local id of the run: the name of its spool folder. */
  localRunId: string;
  /** Called once when the run goes offline (the server became unreachable). */
  onOffline?: (err: Error) => void;
}

/** A run that already exists on the server (created by another process), to reopen rather than create. */
export interface ExistingRestRun {
  runId: string;
  experimentId: string;
  artifactUri: string;
}

/**
 * Starts a REST-tracked run: spools the creation and tries to create it on the server. With `existing`
 * (a sweep's parent run, reopened at aggregation) nothing is created: records go to that run.
 */
export async function openRestRun(
  options: RestRunOptions,
  request: StartRunRequest,
  existing?: ExistingRestRun,
): Promise<RestRun> {
  const spool = await RunSpool.open(options.spoolDir, options.localRunId);
  const state = await spool.readState();
  if (existing && state.remoteRunId === undefined) {
    state.remoteRunId = existing.runId;
    state.experimentId = existing.experimentId;
    state.artifactUri = existing.artifactUri;
    await spool.writeState(state);
  }
  const run = new RestRun(new MlflowRestClient(options), spool, state, options.onOffline);
  await run.record({ kind: "create_run", trackingUri: options.trackingUri, ...request });
  return run;
}

/** One run on a tracking server, with its spool. */
export class RestRun implements RunLogger {
  readonly #client: MlflowRestClient;
  readonly #spool: RunSpool;
  readonly #state: SpoolState;
  readonly #onOffline: ((err: Error) => void) | undefined;
  /** Records not yet acknowledged, in order (the spool file holds them too). */
  #pending: SpoolRecord[] = [];
  #offline = false;
  #offlineReported = false;
  /** Calls run one after another, so records keep their order even if callers do not await. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(
    client: MlflowRestClient,
    spool: RunSpool,
    state: SpoolState,
    onOffline?: (err: Error) => void,
  ) {
    this.#client = client;
    this.#spool = spool;
    this.#state = state;
    this.#onOffline = onOffline;
  }

  /** The server's run id once created, else the local spool id. */
  get runId(): string {
    return this.#state.remoteRunId ?? this.#spool.localRunId;
  }

  /** Where the run is on the server (to reopen it from another process), once it was created there. */
  get remote(): ExistingRestRun | undefined {
    const { remoteRunId, experimentId, artifactUri } = this.#state;
    if (remoteRunId === undefined || experimentId === undefined) return undefined;
    return { runId: remoteRunId, experimentId, artifactUri: artifactUri ?? "" };
  }

  /** True once the server was found unreachable (records are only spooled from then on). */
  get offline(): boolean {
    return this.#offline;
  }

  /** The spool folder of this run. */
  get spoolDir(): string {
    return this.#spool.dir;
  }

  logParams(params: Record<string, string>): Promise<void> {
    return this.#logBatch({ params: toKeyValues(params) });
  }

  logMetrics(metrics: readonly MetricEntry[]): Promise<void> {
    const wire = metrics.map((m) => ({ ...m, value: wireMetricValue(m.value) }));
    return this.#logBatch({ metrics: wire });
  }

  setTags(tags: Record<string, string>): Promise<void> {
    return this.#logBatch({ tags: toKeyValues(tags) });
  }

  logArtifactFile(localPath: string, artifactPath: string): Promise<void> {
    return this.#enqueue(async () => {
      for (const path of await this.#spool.storeArtifactFile(localPath, artifactPath)) {
        await this.#recordNow({ kind: "artifact", path });
      }
    });
  }

  logArtifactBytes(artifactPath: string, data: Uint8Array | string): Promise<void> {
    return this.#enqueue(async () => {
      const path = await this.#spool.storeArtifactBytes(artifactPath, data);
      await this.#recordNow({ kind: "artifact", path });
    });
  }

  /** Ends the run; if offline, retries the backlog once; removes the spool when all was delivered. */
  end(status: TerminalStatus, endTime: number): Promise<void> {
    return this.#enqueue(async () => {
      await this.#spool.append({ kind: "update_run", status, endTime }).then((r) => this.#pending.push(r));
      this.#offline = false;
      await this.#drain();
      const records = await this.#spool.readRecords();
      if (isComplete(this.#state, records)) await this.#spool.remove();
    });
  }

  /** Spools one record and sends it (with anything still pending) unless offline. */
  record(record: Parameters<RunSpool["append"]>[0]): Promise<void> {
    return this.#enqueue(() => this.#recordNow(record));
  }

  #logBatch(part: Partial<SpoolBatch>): Promise<void> {
    const batch = { metrics: part.metrics ?? [], params: part.params ?? [], tags: part.tags ?? [] };
    return this.record({ kind: "log_batch", batch });
  }

  async #recordNow(record: Parameters<RunSpool["append"]>[0]): Promise<void> {
    this.#pending.push(await this.#spool.append(record));
    if (!this.#offline) await this.#drain();
  }

  /** Sends pending records; an unreachable server switches the run offline instead of failing it. */
  async #drain(): Promise<void> {
    try {
      await sendRecords(this.#client, this.#spool, this.#state, this.#pending);
    } catch (err) {
      if (!isUnavailable(err)) throw err;
      this.#offline = true;
      if (!this.#offlineReported) this.#onOffline?.(err as Error);
      this.#offlineReported = true;
    } finally {
      this.#pending = this.#pending.filter((r) => r.seq > this.#state.sentSeq);
    }
  }

  #enqueue(task: () => Promise<void>): Promise<void> {
    const next = this.#queue.catch(() => {}).then(task);
    this.#queue = next;
    return next;
  }
}

type SpoolBatch = Extract<SpoolRecord, { kind: "log_batch" }>["batch"];

function toKeyValues(values: Record<string, string>): { key: string; value: string }[] {
  return Object.entries(values).map(([key, value]) => ({ key, value }));
}
