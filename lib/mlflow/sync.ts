/**
 * `syncSpool`: replays spooled REST runs to their tracking server (the CLI's `batteryml tracking sync`).
 * It continues from each run's acknowledged position, so running it twice sends nothing twice; a run's
 * spool is deleted once its end has been delivered.
 */
import { MlflowRequestError } from "./_errors.ts";
import { isComplete, sendRecords } from "./_replay.ts";
import { MlflowRestClient } from "./_rest_client.ts";
import { DEFAULT_SPOOL_DIR, listSpooledRuns, RunSpool, type SpoolRecord } from "./_spool.ts";

/** Options of `syncSpool`. */
export interface SyncSpoolOptions {
  /** Folder of the spools (default `artifacts/mlflow-spool`). */
  spoolDir?: string;
  /** Server to send to; default: the one each run was started against. */
  trackingUri?: string;
  /** Also replay runs that have not ended (a crashed run, or one still running elsewhere). */
  includeUnfinished?: boolean;
  /** Per-request timeout, ms (default 10 000). */
  timeoutMs?: number;
  /** Retries per request (default 3). */
  maxRetries?: number;
  /** First back-off delay, ms (default 250). */
  backoffMs?: number;
  /** Bearer token for the server. */
  token?: string;
}

/** What happened to one spooled run. */
export interface SyncedRun {
  localRunId: string;
  remoteRunId?: string;
  /** Records delivered (or refused for good) by this call. */
  sent: number;
  /** Records the server refused (4xx) in this call, with its reasons; they will not be retried. */
  failures: string[];
  /** True when the whole run, end included, is on the server (its spool was deleted). */
  complete: boolean;
  /** Why the run was left as it is, when it was. */
  skipped?: string;
}

/** Result of `syncSpool`. */
export interface SyncSpoolResult {
  runs: SyncedRun[];
  /** Set when a server could not be reached; runs after it were not attempted. */
  unavailable?: string;
}

/** Replays every spooled run under `spoolDir`; idempotent. */
export async function syncSpool(options: SyncSpoolOptions = {}): Promise<SyncSpoolResult> {
  const spoolDir = options.spoolDir ?? DEFAULT_SPOOL_DIR;
  const result: SyncSpoolResult = { runs: [] };
  for (const localRunId of await listSpooledRuns(spoolDir)) {
    const spool = await RunSpool.open(spoolDir, localRunId);
    try {
      result.runs.push(await syncRun(spool, options));
    } catch (err) {
      if ((err as { code?: string }).code !== "MLFLOW_UNAVAILABLE") throw err;
      result.runs.push({
        localRunId,
        sent: 0,
        failures: [],
        complete: false,
        skipped: (err as Error).message,
      });
      result.unavailable = (err as Error).message;
      break;
    }
  }
  return result;
}

async function syncRun(spool: RunSpool, options: SyncSpoolOptions): Promise<SyncedRun> {
  const records = await spool.readRecords();
  const state = await spool.readState();
  const out: SyncedRun = { localRunId: spool.localRunId, sent: 0, failures: [], complete: false };
  const reason = skipReason(records, state.remoteRunId, options);
  if (reason !== undefined) return { ...out, remoteRunId: state.remoteRunId, skipped: reason };
  const create = records[0] as Extract<SpoolRecord, { kind: "create_run" }>;
  const client = new MlflowRestClient({ ...options, trackingUri: options.trackingUri ?? create.trackingUri });
  const before = state.sentSeq;
  const failuresBefore = state.failures.length;
  // A refused record is noted and passed by sendRecords; keep going until the end or a hard stop.
  for (;;) {
    const position = state.sentSeq;
    try {
      await sendRecords(client, spool, state, records);
      break;
    } catch (err) {
      if (!(err instanceof MlflowRequestError)) throw err;
      if (state.remoteRunId === undefined) {
        return { ...out, skipped: `the server refused to create the run: ${err.message}` };
      }
      // sendRecords passes a refused record; should it ever not, stop rather than loop forever.
      if (state.sentSeq === position) throw err;
    }
  }
  out.remoteRunId = state.remoteRunId;
  out.sent = records.filter((r) => r.seq > before && r.seq <= state.sentSeq).length;
  out.failures = state.failures.slice(failuresBefore).map((f) => `record ${f.seq}: ${f.message}`);
  out.complete = isComplete(state, records);
  if (out.complete) await spool.remove();
  return out;
}

function skipReason(
  records: readonly SpoolRecord[],
  remoteRunId: string | undefined,
  options: SyncSpoolOptions,
): string | undefined {
  const first = records[0];
  if (first?.kind !== "create_run") return "the spool does not start with the run's creation";
  if (records.at(-1)?.kind !== "update_run" && !options.includeUnfinished) {
    return "the run has not ended (still running, or crashed: pass includeUnfinished to send it anyway)";
  }
  const target = options.trackingUri?.replace(/\/+$/, "");
  if (remoteRunId !== undefined && target !== undefined && target !== first.trackingUri.replace(/\/+$/, "")) {
    return `the run already exists on ${first.trackingUri}, not on ${target}`;
  }
  return undefined;
}
