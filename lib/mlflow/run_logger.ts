/**
 * The transport-neutral view of one MLflow run that the tracker plugin writes to: the file store and
 * the REST transport (with its spool) both implement it, so the plugin does not care where records go.
 */
import type { TerminalStatus } from "./_run_status.ts";

/** One metric value; `timestamp` in ms since the epoch. */
export interface MetricEntry {
  key: string;
  value: number;
  timestamp: number;
  step: number;
}

/** What is needed to create a run. */
export interface StartRunRequest {
  experimentName: string;
  runName: string;
  /** ms since the epoch. */
  startTime: number;
  userId: string;
  tags: Record<string, string>;
}

/** One open MLflow run. Keys must already be valid (see keys.ts). */
export interface RunLogger {
  /** Identifier of the run in its store (the local spool id while a REST run is not yet created). */
  readonly runId: string;
  logParams(params: Record<string, string>): Promise<void>;
  logMetrics(metrics: readonly MetricEntry[]): Promise<void>;
  setTags(tags: Record<string, string>): Promise<void>;
  /** Copies a local file or folder under `artifactPath`. */
  logArtifactFile(localPath: string, artifactPath: string): Promise<void>;
  /** Stores `data` as the artifact `artifactPath`. */
  logArtifactBytes(artifactPath: string, data: Uint8Array | string): Promise<void>;
  end(status: TerminalStatus, endTime: number): Promise<void>;
}
