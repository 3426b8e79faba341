/**
 * Built-in plugins: a static map name → module loader per kind. Static `import()` strings let
 * `deno compile` embed every built-in; the loader validates them exactly like third-party plugins.
 */
import type { PluginKind } from "../core/plugin.ts";

/** Lazily imports one plugin module. */
export type ModuleLoader = () => Promise<unknown>;

/** Built-in plugins by kind and name. */
export const BUILTIN_PLUGINS: Record<PluginKind, Record<string, ModuleLoader>> = {
  dataset: {},
  split: {},
  pipeline: {},
  model: {
    dummy: () => import("./models/dummy.ts"),
  },
  loss: {},
  tracker: {
    local: () => import("./trackers/local.ts"),
  },
};
