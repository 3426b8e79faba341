/**
 * A sweep's points: configuration points (grid product × random samples) × seeds × folds. Each point is
 * a list of config overrides, so it runs as a normal run. Values from the sweep file are written as JSON
 * (valid YAML, so the override parser reads back exactly the typed value); command-line values stay as
 * typed. The sweep id is the name and a hash of the points, so the same sweep always gets the same id and
 * a second launch resumes it.
 */
import YAML from "yaml";
import { createRng, type Rng } from "../random/mod.ts";
import type { SweepAxis } from "./multirun.ts";
import type { Distribution, SweepSpec } from "./spec.ts";
import { SweepError } from "./errors.ts";

/** One configuration point: the values its varied keys take (override value texts). */
export interface ConfigPoint {
  /** `c0`, `c1`, … in expansion order. */
  key: string;
  params: Record<string, string>;
  /** `model=lgbm model.learning_rate=0.05` (or `(base)` when nothing varies). */
  label: string;
}

/** One point of the sweep: one run. */
export interface SweepPoint {
  index: number;
  /** The configuration point it repeats. */
  config: string;
  /** experiment.seed, or null for the config's own seed. */
  seed: number | null;
  /** The one fold it runs (evaluation.folds), or null for every fold of the split. */
  fold: string | null;
  /** Everything the run is composed with, in order. */
  overrides: string[];
  /** The composed config's hash when the sweep was planned: a point whose config files changed since is refused. */
  configHash?: string;
}

/** The axes of the file's grid (values as JSON) followed by the command line's. */
export function gridAxes(spec: SweepSpec, cliAxes: readonly SweepAxis[]): SweepAxis[] {
  const axes: SweepAxis[] = Object.entries(spec.grid).map(([key, values]) => ({
    key,
    values: values.map(valueText),
  }));
  for (const axis of cliAxes) {
    const i = axes.findIndex((a) => a.key === axis.key);
    if (i >= 0) axes[i] = axis; // the command line replaces a file axis of the same key
    else axes.push(axis);
  }
  for (const a of axes) {
    if (a.key === "experiment.seed") {
      throw new SweepError(
        "sweep axis 'experiment.seed': list seeds under 'seeds:' so compare can pair them",
      );
    }
    if (a.key === "evaluation.folds") {
      throw new SweepError(
        "sweep axis 'evaluation.folds': list folds under 'folds:' so compare can pair them",
      );
    }
  }
  return axes;
}

/** A value from the sweep file as override text: strings as typed, the rest as JSON (which YAML reads back). */
export function valueText(v: unknown): string {
  return typeof v === "string" && !v.includes(",") && readsBackAs(v) ? v : JSON.stringify(v);
}

/** Whether YAML reads `text` back as that same string (`lgbm` does; `1`, `null`, `[a]` do not). */
function readsBackAs(text: string): boolean {
  try {
    return YAML.parse(text) === text;
  } catch {
    return false;
  }
}

/** Grid product × random samples, in order (the last axis varies fastest). */
export function configPoints(axes: readonly SweepAxis[], random: SweepSpec["random"]): ConfigPoint[] {
  let combos: Record<string, string>[] = [{}];
  for (const axis of axes) {
    combos = combos.flatMap((c) => axis.values.map((v) => ({ ...c, [axis.key]: v })));
  }
  if (random) {
    const samples = randomSamples(random.params, random.samples, createRng(random.seed));
    combos = combos.flatMap((c) => samples.map((s) => ({ ...c, ...s })));
  }
  return combos.map((params, i) => ({
    key: `c${i}`,
    params,
    label: Object.entries(params).map(([k, v]) => `${k}=${v}`).join(" ") || "(base)",
  }));
}

function randomSamples(
  params: Record<string, Distribution>,
  n: number,
  rng: Rng,
): Record<string, string>[] {
  const keys = Object.keys(params).sort();
  return Array.from({ length: n }, () => Object.fromEntries(keys.map((k) => [k, draw(params[k], rng, k)])));
}

function draw(d: Distribution, rng: Rng, key: string): string {
  if ("choice" in d) return valueText(rng.choice(d.choice));
  if ("int" in d) {
    const [lo, hi] = ordered(d.int, key);
    return String(lo + rng.int(hi - lo + 1));
  }
  if ("uniform" in d) {
    const [lo, hi] = ordered(d.uniform, key);
    return String(lo + (hi - lo) * rng.uniform());
  }
  const [lo, hi] = ordered(d.log_uniform, key);
  return String(Math.exp(Math.log(lo) + (Math.log(hi) - Math.log(lo)) * rng.uniform()));
}

function ordered([lo, hi]: readonly [number, number], key: string): [number, number] {
  if (!(lo <= hi)) {
    throw new SweepError(`random.params.${key}: the range [${lo}, ${hi}] is empty (low > high)`);
  }
  return [lo, hi];
}

/** What repeats each configuration point: seeds (null: the config's) × folds per (config, seed). */
export interface Repeats {
  seeds: readonly (number | null)[];
  /** The folds of a configuration point and seed; [null] runs every fold in one run. */
  folds(config: ConfigPoint, seed: number | null): readonly (string | null)[];
}

/** Every point: configuration × seed × fold, each with its full override list. */
export function sweepPoints(
  base: readonly string[],
  configs: readonly ConfigPoint[],
  r: Repeats,
): SweepPoint[] {
  const points: SweepPoint[] = [];
  for (const c of configs) {
    for (const seed of r.seeds) {
      for (const fold of r.folds(c, seed)) {
        points.push({
          index: points.length,
          config: c.key,
          seed,
          fold,
          overrides: [
            ...base,
            ...Object.entries(c.params).map(([k, v]) => `${k}=${v}`),
            ...(seed === null ? [] : [`experiment.seed=${seed}`]),
            ...(fold === null ? [] : [`evaluation.folds=${JSON.stringify([fold])}`]),
          ],
        });
      }
    }
  }
  return points;
}

/** `<name>-<hash8>`: the hash of the config folder and every point's overrides and config hash. */
export async function sweepId(
  name: string,
  configDir: string,
  points: readonly SweepPoint[],
): Promise<string> {
  // The config hashes too: an edited config file makes a new sweep, not a resume whose finished points ran
  // another config.
  const canonical = JSON.stringify({
    configDir,
    points: points.map((p) => [p.overrides, p.configHash ?? null]),
  });
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(canonical));
  const hex = Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
  return `${name}-${hex.slice(0, 8)}`;
}
