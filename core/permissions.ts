/**
 * The narrowest Deno permission flags a config needs: read everything it reads, write the output
 * folder, FFI/sys for polars, and network only to the hosts the config names (URL plugins, an MLflow
 * server, the data download host).
 */
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

/** The `deno run` flags for `batteryml run` with this config. */
export function permissionsFor(config: ExperimentConfig, lock: PluginLock): string[] {
  const flags = [
    "--allow-read",
    "--allow-env",
    "--allow-ffi",
    "--allow-sys",
    `--allow-write=${config.output.dir}`,
  ];
  const hosts = networkHosts(config, lock);
  if (hosts.length) flags.push(`--allow-net=${hosts.join(",")}`);
  return flags;
}
