/**
 * Running some folds of a split, by name (`evaluation.folds`): what lets a sweep make each fold its own
 * point. The split still makes every fold (a fold's cells and validation draw do not depend on which
 * folds run), and only the named ones run. `splitFoldNames` lists the folds a config's split makes, the
 * same way the runner makes them, so a sweep can expand `folds: all`.
 */
import { ConfigError } from "./errors.ts";
import type { ComposedConfig } from "./config.ts";
import { createPlugin, loadPlugin } from "./loader.ts";
import type { Fold, PluginContext } from "./plugin.ts";
import { createRng } from "./rng.ts";
import { createLogger } from "./log.ts";
import { join } from "node:path";
import type { PluginEntry } from "./experiment_schema.ts";

/** The folds named by `evaluation.folds` in the split's order (all when unset); an unknown name is an error. */
export function selectFolds<F extends Pick<Fold, "name">>(
  folds: F[],
  names: readonly string[] | undefined,
): F[] {
  if (names === undefined) return folds;
  const known = new Set(folds.map((f) => f.name));
  const unknown = names.filter((n) => !known.has(n));
  if (unknown.length > 0) {
    throw new ConfigError(
      "evaluation.folds",
      `no fold named ${unknown.map((n) => `'${n}'`).join(", ")}; the split makes ${
        folds.map((f) => f.name).join(", ")
      }`,
    );
  }
  const wanted = new Set(names);
  return folds.filter((f) => wanted.has(f.name));
}

/** The fold names a config's split makes for its dataset and seed (loads the dataset's cell list). */
export async function splitFoldNames(composed: ComposedConfig): Promise<string[]> {
  const c = composed.config;
  const rng = createRng(c.experiment.seed);
  const ctx = (label: string): PluginContext => ({
    seed: c.experiment.seed,
    rng: rng.fork(label),
    log: createLogger({ quiet: true }),
    cacheDir: join(c.output.dir, "cache"),
    outputDir: c.output.dir,
  });
  const urlCacheDir = join(c.output.dir, "plugins");
  const dataset = await createPlugin(
    await loadPlugin(c.data.use, "dataset", { urlCacheDir }),
    entryOptions(c.data),
    ctx("data"),
    "data",
  );
  const split = await createPlugin(
    await loadPlugin(c.split.use, "split", { urlCacheDir }),
    entryOptions(c.split),
    ctx("split"),
    "split",
  );
  return (await split.folds(await dataset.cells(), rng.fork("folds"))).map((f) => f.name);
}

/** An entry's options: everything but `use` (as the runner hands them to `create`). */
function entryOptions(entry: PluginEntry): Record<string, unknown> {
  const { use: _use, ...options } = entry;
  return options;
}
