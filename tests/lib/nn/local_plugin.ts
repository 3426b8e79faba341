/** Test helper: loads a plugin module of this repository by path (through the real loader) and creates it. */
import { createPlugin, type LoadedPlugin, loadPlugin, runInProcess } from "../../../core/loader.ts";
import { createLogger } from "../../../core/log.ts";
import type { InstanceOf, PluginContext, PluginKind } from "../../../core/plugin.ts";
import { createRng } from "../../../core/rng.ts";

/** A quiet plugin context with seed 1. */
export const testContext: PluginContext = {
  seed: 1,
  rng: createRng(1),
  log: createLogger({ quiet: true }),
  cacheDir: "artifacts/cache",
};

/** Loads `plugins/<path>` of this repository as a plugin of `kind`. */
export function loadLocal<K extends PluginKind>(kind: K, path: string): Promise<LoadedPlugin<K>> {
  const url = new URL(`../../../plugins/${path}`, import.meta.url).href;
  // A built-in's own module: trusted code, in this process like the built-in (a path plugin is sandboxed).
  runInProcess(url);
  return loadPlugin(url, kind);
}

/** Loads and creates `plugins/<path>` with `options`. */
export async function createLocal<K extends PluginKind>(
  kind: K,
  path: string,
  options: unknown = {},
): Promise<InstanceOf[K]> {
  return await createPlugin(await loadLocal(kind, path), options, testContext, kind);
}
