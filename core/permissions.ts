/**
 * The narrowest Deno permission flags a command needs (`--print-permissions`): what the CLI process itself
 * reads and loads whatever the command (process_grants.ts), plus what the command's inputs name — for a
 * run, every folder its config writes (the output folder, and any folder a plugin option names outside it),
 * the data it reads outside the project, network only to the hosts the config names (URL plugins, an MLflow
 * server), `deno` to start the sandboxes of plugins that are not built in, and the system's OpenBLAS as ffi
 * when the config asks for it (`training.blas=openblas`).
 */
import { dirname, isAbsolute, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { DEFAULT_FILE_STORE_URI, fileStorePath } from "../lib/mlflow/mod.ts";
// The library lookup alone, not lib/nn/mod.ts: that loads tfjs, which the core never imports.
import { openBlasLibraryPath } from "../lib/blas/mod.ts";
import type { ExperimentConfig, PluginEntry } from "./experiment_schema.ts";
import { specifierSource } from "./loader.ts";
import { defaultPluginLockPath, type PluginLock } from "./plugin_lock.ts";
import { processGrants } from "./process_grants.ts";

/** What one command needs beyond the process's own grants (paths absolute or relative to the cwd). */
export interface CommandGrants {
  read?: string[];
  write?: string[];
  /** `host[:port]`s. */
  net?: string[];
  /** Programs it starts (`deno` for plugin sandboxes). */
  run?: string[];
  /** Native libraries it loads besides the process's own addons (OpenBLAS for `training.blas=openblas`). */
  ffi?: string[];
}

/** The `deno run` flags of a command: the process's own grants joined with the command's, each once. */
export async function denoFlags(grants: CommandGrants = {}): Promise<string[]> {
  const own = await processGrants();
  const cwd = Deno.cwd();
  // A command reads back what it writes (an atomic write reopens its temp file; a run its manifest).
  const read = unique([...own.read, ...[...grants.read ?? [], ...grants.write ?? []].map((p) => resolve(p))])
    .filter((p, _, all) => !all.some((q) => q !== p && inside(q, p)));
  const flags = [
    `--allow-read=${read.join(",")}`,
    "--allow-env",
    `--allow-ffi=${unique([...own.ffi, ...grants.ffi ?? []]).join(",")}`,
    "--allow-sys",
  ];
  // Write folders keep the spelling of the config (relative to the project) when they are inside it.
  const write = unique(
    (grants.write ?? []).map((p) => isAbsolute(p) && inside(cwd, p) ? relative(cwd, p) || "." : p),
  );
  if (write.length) flags.push(`--allow-write=${write.join(",")}`);
  if (grants.net?.length) flags.push(`--allow-net=${unique(grants.net).join(",")}`);
  if (grants.run?.length) flags.push(`--allow-run=${unique(grants.run).join(",")}`);
  return flags;
}

/** Hosts (`host[:port]`) named by URL plugins and URL-valued options of a config. */
export function networkHosts(config: ExperimentConfig, lock: PluginLock): string[] {
  const entries = configEntries(config);
  const hosts = new Set(entryHosts(entries));
  for (const url of Object.keys(lock.plugins)) {
    if (entries.some((e) => e.use === url)) hosts.add(new URL(url).host);
  }
  return [...hosts].sort();
}

/** Hosts named by URL-valued options of plugin entries (an MLflow server's `tracking_uri`). */
function entryHosts(entries: readonly PluginEntry[]): string[] {
  const hosts = new Set<string>();
  for (const entry of entries) {
    for (const value of Object.values(entry)) {
      if (typeof value === "string" && /^https?:\/\//.test(value)) hosts.add(new URL(value).host);
    }
  }
  return [...hosts].sort();
}

/**
 * What ending a sweep's tracker records needs (`sweep aggregate`): the output folder, the folders and
 * servers its tracker entries name, and `deno` when a tracker is not built in.
 */
export function trackerGrants(outputDir: string, trackers: readonly PluginEntry[]): CommandGrants {
  return {
    write: entryWriteFolders(outputDir, trackers),
    net: entryHosts(trackers),
    run: trackers.some((e) => specifierSource(e.use) !== "builtin") ? ["deno"] : [],
  };
}

/** Whether any plugin of the config is not built in (URL, path, npm:): each runs in a sandbox process. */
export function usesSandboxedPlugins(config: ExperimentConfig): boolean {
  return configEntries(config).some((e) => specifierSource(e.use) !== "builtin");
}

/** The folder of the mlflow tracker's default store (`file:mlruns`). */
const MLFLOW_DEFAULT_STORE = fileStorePath(DEFAULT_FILE_STORE_URI);

/** Plugin options that name a folder the run writes: `*_dir` (checkpoint_dir, spool_dir) and `logdir`. */
const WRITE_DIR_KEY = /(^|_)dir$|^logdir$/;

/** Plugin options that name what a run reads: a data `root`, and `*_file` / `*_path` options. */
const READ_PATH_KEY = /^root$|(^|_)(file|path)$/;

/**
 * Every folder a run of this config writes: `output.dir` (runs, cache, and the trackers' default folders
 * under it), plus each folder a plugin option names outside it — option keys ending in `_dir` or named
 * `logdir`, and `tracking_uri: file:<path>` — in the order they appear.
 */
export function writeFolders(config: ExperimentConfig): string[] {
  return entryWriteFolders(config.output.dir, configEntries(config));
}

/** `outputDir`, plus each folder the entries' options name outside it (see `writeFolders`). */
function entryWriteFolders(outputDir: string, entries: readonly PluginEntry[]): string[] {
  const out = [outputDir];
  const covered = (dir: string) => out.some((parent) => inside(parent, dir));
  for (const entry of entries) {
    for (const [key, value] of Object.entries(entry)) {
      const dir = typeof value !== "string"
        ? undefined
        : WRITE_DIR_KEY.test(key)
        ? value
        : key === "tracking_uri" && value.startsWith("file:")
        ? fileStorePath(value)
        : undefined;
      if (dir && !covered(dir)) out.push(dir);
    }
    // The mlflow tracker's own default file store (MLflow's ./mlruns) when the entry names none.
    if (entry.use === "mlflow" && entry.tracking_uri === undefined && !covered(MLFLOW_DEFAULT_STORE)) {
      out.push(MLFLOW_DEFAULT_STORE);
    }
  }
  return out;
}

/**
 * What a run reads besides the project and what it writes: data roots and files its options name
 * (`root`, `*_file`, `*_path`), and the folders of path plugins (the host checks the file before their
 * sandbox starts; the sandbox reads their folder itself).
 */
export function readPaths(config: ExperimentConfig): string[] {
  const out: string[] = [];
  for (const entry of configEntries(config)) {
    for (const [key, value] of Object.entries(entry)) {
      if (typeof value === "string" && READ_PATH_KEY.test(key) && !/^[a-z]+:\/\//.test(value)) {
        out.push(value);
      }
    }
    if (specifierSource(entry.use) === "path") {
      out.push(
        entry.use.startsWith("file:") ? dirname(fileURLToPath(entry.use)) : dirname(resolve(entry.use)),
      );
    }
  }
  return out;
}

/**
 * A run's grants: its reads, writes, hosts, `deno` for the sandboxes of plugins not built in, and the
 * native libraries its training loads.
 */
export function runGrants(config: ExperimentConfig, lock: PluginLock): CommandGrants {
  return {
    read: [...readPaths(config), defaultPluginLockPath()],
    write: writeFolders(config),
    net: networkHosts(config, lock),
    run: usesSandboxedPlugins(config) ? ["deno"] : [],
    ffi: nativeLibraries(config),
  };
}

/**
 * The native libraries a config's training loads: with `training.blas=openblas`, the OpenBLAS file the run
 * will open (`BATTERYML_OPENBLAS`, else the first standard location that exists). FFI is full trust; this is
 * the user's own system library, named by the config or the environment, never a plugin's. None found: no
 * grant, and the run itself says which paths it tried.
 */
export function nativeLibraries(config: Pick<ExperimentConfig, "training">): string[] {
  if (config.training.blas !== "openblas") return [];
  const path = openBlasLibraryPath();
  return path ? [path] : [];
}

/** The `deno run` flags for `batteryml run` with this config. */
export async function permissionsFor(config: ExperimentConfig, lock: PluginLock): Promise<string[]> {
  return await denoFlags(runGrants(config, lock));
}

function configEntries(config: ExperimentConfig): PluginEntry[] {
  const entries = [config.data, config.split, config.pipeline, config.model, config.loss, ...config.tracking];
  return entries.filter((e): e is PluginEntry => e !== null);
}

/** Whether `path` is `parent` or below it. */
function inside(parent: string, path: string): boolean {
  const rel = relative(resolve(parent), resolve(path));
  return rel === "" || (!rel.startsWith("..") && !isAbsolute(rel));
}

function unique(list: string[]): string[] {
  return [...new Set(list)];
}
