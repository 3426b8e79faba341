/**
 * Errors of the MLflow transports. lib/ cannot use the core's error classes, so these carry a `code`
 * in the same spirit: callers tell "the server said no" (do not retry, do not spool) from "the server
 * could not be reached" (spool and replay later) without `instanceof` across module copies.
 */

/** A request MLflow refused (4xx, or a local rule MLflow would enforce): retrying cannot help. */
export class MlflowRequestError extends Error {
  /** HTTP status (0 when raised locally before any request). */
  readonly status: number;
  /** MLflow's `error_code`, e.g. `INVALID_PARAMETER_VALUE`, `RESOURCE_ALREADY_EXISTS`. */
  readonly errorCode: string;
  readonly code = "MLFLOW_REQUEST";
  constructor(status: number, errorCode: string, message: string) {
    super(`MLflow ${errorCode}${status ? ` (HTTP ${status})` : ""}: ${message}`);
    this.name = "MlflowRequestError";
    this.status = status;
    this.errorCode = errorCode;
  }
}

/** The server could not be reached, or kept failing (5xx/429/timeouts) after every retry. */
export class MlflowUnavailableError extends Error {
  readonly code = "MLFLOW_UNAVAILABLE";
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "MlflowUnavailableError";
  }
}

/** True when `err` says the server is unreachable (by code, so it works across module copies). */
export function isUnavailable(err: unknown): boolean {
  return (err as { code?: unknown })?.code === "MLFLOW_UNAVAILABLE";
}
