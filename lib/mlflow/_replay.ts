/**
 * Sends spooled records to the server in order, advancing the acknowledged position after each one.
 * Shared by the live REST run (which sends as it goes) and `syncSpool` (which catches up later), so
 * both follow the same rules: a record the server refused for good (4xx) is noted and passed, one that
 * could not be delivered stops the replay where it is.
 */
import { MlflowRequestError } from "./_errors.ts";
import type { MlflowRestClient } from "./_rest_client.ts";
import type { RunSpool, SpoolRecord, SpoolState } from "./_spool.ts";

/** Sends every record of `records` after `state.sentSeq`; persists the state after each one. */
export async function sendRecords(
  client: MlflowRestClient,
  spool: RunSpool,
  state: SpoolState,
  records: readonly SpoolRecord[],
): Promise<void> {
  for (const record of records) {
    if (record.seq <= state.sentSeq) continue;
    try {
      await sendRecord(client, spool, state, record);
    } catch (err) {
      // Without a run on the server nothing else can be sent: stop, and try creating it next time.
      if (!(err instanceof MlflowRequestError) || record.kind === "create_run") throw err;
      state.failures.push({ seq: record.seq, message: err.message });
      state.sentSeq = record.seq;
      await spool.writeState(state);
      throw err;
    }
    state.sentSeq = record.seq;
    await spool.writeState(state);
  }
}

/** True when every record up to the run's end has been handled. */
export function isComplete(state: SpoolState, records: readonly SpoolRecord[]): boolean {
  const last = records.at(-1);
  return last?.kind === "update_run" && state.sentSeq >= last.seq;
}

async function sendRecord(
  client: MlflowRestClient,
  spool: RunSpool,
  state: SpoolState,
  record: SpoolRecord,
): Promise<void> {
  if (record.kind === "create_run") {
    // A run created before a crash is reused, never created twice.
    if (state.remoteRunId !== undefined) return;
    state.experimentId = await client.ensureExperiment(record.experimentName);
    const run = await client.createRun({ ...record, experimentId: state.experimentId });
    state.remoteRunId = run.runId;
    state.artifactUri = run.artifactUri;
    return;
  }
  const runId = state.remoteRunId;
  if (runId === undefined) {
    throw new Error(`spool ${spool.dir}: record ${record.seq} comes before the run was created`);
  }
  if (record.kind === "log_batch") await client.logBatch(runId, record.batch);
  else if (record.kind === "update_run") await client.updateRun(runId, record.status, record.endTime);
  else {await client.uploadArtifact(
      state.artifactUri ?? "",
      record.path,
      await spool.readArtifact(record.path),
    );}
}
