/**
 * Where an MLflow file store may live. MLflow ≥ 3.8's FileStore refuses a run whose folder has an ancestor
 * named `artifacts` (its run-directory check takes such a path for an artifact folder): listing works but the
 * run page, `get_run`, `get_metric_history` and `list_artifacts` answer "Run … not found". So the default
 * store is MLflow's own, `./mlruns`, and a store below any folder named `artifacts` is refused.
 */
import { resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

/** MLflow's default file store, relative to the working folder (what `mlflow ui` opens by default). */
export const DEFAULT_FILE_STORE_URI = "file:mlruns";

/** The folder a `file:` tracking URI names (`file:./x` → `./x`, `file:///abs` → `/abs`). */
export function fileStorePath(uri: string): string {
  return uri.startsWith("file://") ? fileURLToPath(uri) : uri.slice("file:".length);
}

/** The first folder named `artifacts` among the store's ancestors (or the store itself), else undefined. */
export function artifactsAncestor(storePath: string): string | undefined {
  const parts = resolve(storePath).split(sep);
  const i = parts.indexOf("artifacts");
  return i < 0 ? undefined : parts.slice(0, i + 1).join(sep) || sep;
}
