/**
 * MLflow run statuses: names on the REST API, integers in a file store's run `meta.yaml`
 * (`RunStatus` enum of MLflow's protos).
 */

/** Status code of each status name, as the file store persists it. */
export const RUN_STATUS_CODES = {
  RUNNING: 1,
  SCHEDULED: 2,
  FINISHED: 3,
  FAILED: 4,
  KILLED: 5,
} as const;

/** A status name. */
export type RunStatusName = keyof typeof RUN_STATUS_CODES;

/** A status a run can end with. */
export type TerminalStatus = "FINISHED" | "FAILED" | "KILLED";

/** `SourceType.LOCAL`, the source type of runs started from a local script. */
export const SOURCE_TYPE_LOCAL = 4;
