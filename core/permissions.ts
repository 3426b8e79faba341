/**
 * The narrowest Deno permission flags a config needs: read everything it reads, write every folder the
 * config writes (the output folder, and any folder a plugin option names outside it), FFI/sys for polars,
 * and network only to the hosts the config names (URL plugins, an MLflow server, the data download host).
 */
import { relative, resolve } from "node:path";
import { DEFAULT_FILE_STORE_URI, fileStorePath } from "../lib/mlflow/mod.ts";
import type { ExperimentConfig, PluginEntry } from "./experiment_schema.ts";
import type { PluginLock } from "./plugin_lock.ts";

/** Hosts (`host[:port]`) named by URL plugins and URL-valued options of a config. */
export function networkHosts(config: ExperimentConfig, lock: PluginLock): string[] {
  const hosts = new Set<string>();
  const entries: (PluginEntry | null)[] = [
    config.data,
    config.split,
    config.pipeline,
    config.model,
    config.loss,
    ...config.tracking,
  ];
  for (const entry of entries) {
    if (!entry) continue;
    for (const value of Object.values(entry)) {
      if (typeof value === "string" && /^https?:\/\//.test(value)) hosts.add(new URL(value).host);
    }
  }
  for (const url of Object.keys(lock.plugins)) {
    if (entries.some((e) => e?.use === url)) hosts.add(new URL(url).host);
  }
  return [...hosts].sort();
}

function usesUrlPlugins(config: ExperimentConfig): boolean {
  const entries = [config.data, config.split, config.pipeline, config.model, config.loss, ...config.tracking];
  return entries.some((e) => e !== null && /^https?:\/\//.test(e.use));
}

/** The folder of the mlflow tracker's default store (`file:mlruns`). */
const MLFLOW_DEFAULT_STORE = fileStorePath(DEFAULT_FILE_STORE_URI);

/** Plugin options that name a folder the run writes: `*_dir` (checkpoint_dir, spool_dir) and `logdir`. */
const WRITE_DIR_KEY = /(^|_)dir$|^logdir$/;

/**
 * Every folder a run of this config writes: `output.dir` (runs, cache, and the trackers' default folders
 * under it), plus each folder a plugin option names outside it — option keys ending in `_dir` or named
 * `logdir`, and `tracking_uri: file:<path>` — in the order they appear.
 */
export function writeFolders(config: ExperimentConfig): string[] {
  const out = [config.output.dir];
  const inside = (dir: string) =>
    out.some((parent) => {
      const rel = relative(resolve(parent), resolve(dir));
      return rel === "" || (!rel.startsWith("..") && !rel.startsWith("/"));
    });
  const entries = [config.data, config.split, config.pipeline, config.model, config.loss, ...config.tracking];
  for (const entry of entries) {
    if (!entry) continue;
    for (const [key, value] of Object.entries(entry)) {
      const dir = typeof value !== "string"
        ? undefined
        : WRITE_DIR_KEY.test(key)
        ? value
        : key === "tracking_uri" && value.startsWith("file:")
        ? fileStorePath(value)
        : undefined;
      if (dir && !inside(dir)) out.push(dir);
    }
    // The mlflow tracker's own default file store (MLflow's ./mlruns) when the entry names none.
    if (entry.use === "mlflow" && entry.tracking_uri === undefined && !inside(MLFLOW_DEFAULT_STORE)) {
      out.push(MLFLOW_DEFAULT_STORE);
    }
  }
  return out;
}

/** The `deno run` flags for `batteryml run` with this config. */
export function permissionsFor(config: ExperimentConfig, lock: PluginLock): string[] {
  const flags = [
    "--allow-read",
    "--allow-env",
    "--allow-ffi",
    "--allow-sys",
    `--allow-write=${writeFolders(config).join(",")}`,
  ];
  const hosts = networkHosts(config, lock);
  if (hosts.length) flags.push(`--allow-net=${hosts.join(",")}`);
  // URL plugins run in sandbox processes started with `deno` (core/sandbox/sandbox_process.ts).
  if (usesUrlPlugins(config)) flags.push("--allow-run=deno");
  return flags;
}
