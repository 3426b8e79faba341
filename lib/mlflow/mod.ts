/**
 * MLflow tracking without MLflow's client: a file-store writer, a REST run with a local spool that
 * survives an unreachable server (`syncSpool` replays it), MLflow's key rules, store location checks and
 * the migration of an old store.
 */
export * from "./file_store.ts";
export * from "./git_commit.ts";
export * from "./keys.ts";
export * from "./migrate_store.ts";
export * from "./rest_run.ts";
export * from "./run_logger.ts";
export * from "./store_location.ts";
export * from "./sync.ts";
