/**
 * Config composition, Hydra-style: `configs/config.yaml` names a default per group; `group=X` selects
 * `configs/<group>/X.yaml` (`{ use: <specifier>, ...options }`); `tracking` is a list (a preset file
 * `{ preset: [a, b] }` expands to several entries). Overrides: `a.b=value` sets (value parsed as a YAML
 * scalar or flow list; lists replace), `+a.b=value` adds a key that must not exist, `~a.b` removes one.
 */
import { join } from "node:path";
import YAML from "yaml";
import { ConfigError } from "./errors.ts";
import { type ExperimentConfig, experimentSchema } from "./experiment_schema.ts";
import { builtinNames, specifierSource } from "./loader.ts";
import type { PluginKind } from "./plugin.ts";
import { canonicalJson, sha256Hex } from "../lib/hash/mod.ts";
import { didYouMean } from "../lib/text/mod.ts";

/** Top-level sections of the experiment schema. */
const SCHEMA_SECTIONS: readonly string[] = Object.keys(experimentSchema.shape);

/** Config groups selectable with `group=name`, and the plugin kind each names. */
export const CONFIG_GROUPS = {
  data: "dataset",
  split: "split",
  pipeline: "pipeline",
  model: "model",
  loss: "loss",
  tracking: "tracker",
} as const satisfies Record<string, PluginKind>;
type Group = keyof typeof CONFIG_GROUPS;

/** One parsed command-line override. */
export type Override =
  | { op: "set" | "add"; path: string[]; value: unknown; text: string }
  | { op: "remove"; path: string[]; text: string };

/** Parses `a.b=v`, `+a.b=v`, `~a.b`; a malformed override is a ConfigError quoting it. */
export function parseOverride(text: string): Override {
  if (text.startsWith("~")) {
    const key = text.slice(1).split("=")[0];
    return { op: "remove", path: splitKey(key, text), text };
  }
  const add = text.startsWith("+");
  const body = add ? text.slice(1) : text;
  const eq = body.indexOf("=");
  if (eq <= 0) {
    throw new ConfigError("", `override '${text}' is not of the form key=value, +key=value or ~key`);
  }
  return {
    op: add ? "add" : "set",
    path: splitKey(body.slice(0, eq), text),
    value: parseValue(body.slice(eq + 1)),
    text,
  };
}

function splitKey(key: string, text: string): string[] {
  const path = key.split(".");
  if (path.some((p) => !/^[A-Za-z0-9_-]+$/.test(p))) {
    throw new ConfigError(
      key,
      `override '${text}': a key is dot-separated names of letters, digits, _ and -`,
    );
  }
  return path;
}

/** A YAML scalar or flow list; anything YAML cannot parse stays a string. */
function parseValue(raw: string): unknown {
  if (raw === "") return "";
  try {
    return YAML.parse(raw);
  } catch {
    return raw;
  }
}

/** Where configs live and what to compose. */
export interface ComposeOptions {
  configDir?: string;
  overrides?: readonly string[];
}

/** The result of composition: the validated config, its canonical hash and the YAML text. */
export interface ComposedConfig {
  config: ExperimentConfig;
  hash: string;
  yaml: string;
  /** The group files chosen, e.g. { model: "lgbm", tracking: "dual" }. */
  selections: Record<string, string>;
}

/** Composes `config.yaml` + group selections + overrides and validates the result. */
export async function composeConfig(opts: ComposeOptions = {}): Promise<ComposedConfig> {
  const configDir = opts.configDir ?? "configs";
  const overrides = (opts.overrides ?? []).map(parseOverride);
  const root = await readYamlMapping(join(configDir, "config.yaml"), "");
  const defaults = (root.defaults ?? {}) as Record<string, unknown>;
  delete root.defaults;
  const selections: Record<string, unknown> = { ...defaults };
  const rest: Override[] = [];
  for (const o of overrides) {
    if (o.op === "set" && o.path.length === 1 && o.path[0] in CONFIG_GROUPS) selections[o.path[0]] = o.value;
    else rest.push(o);
  }
  const tree: Record<string, unknown> = { ...root };
  for (const [group, choice] of Object.entries(selections)) {
    if (!(group in CONFIG_GROUPS)) {
      const hint = didYouMean(group, Object.keys(CONFIG_GROUPS));
      throw new ConfigError(`defaults.${group}`, `unknown config group${hint ? `; ${hint}` : ""}`);
    }
    tree[group] = await resolveGroup(configDir, group as Group, choice);
  }
  for (const o of rest) applyOverride(tree, o);
  const config = validateExperiment(tree);
  return {
    config,
    hash: await configHash(config),
    yaml: YAML.stringify(config),
    selections: Object.fromEntries(Object.entries(selections).map(([k, v]) => [k, describeChoice(v)])),
  };
}

function describeChoice(v: unknown): string {
  return Array.isArray(v) ? `[${v.join(",")}]` : String(v);
}

async function resolveGroup(configDir: string, group: Group, choice: unknown): Promise<unknown> {
  if (group === "tracking") {
    const names = choice === null ? [] : Array.isArray(choice) ? choice : [choice];
    const entries = [];
    for (const n of names) entries.push(...await resolveTracking(configDir, String(n), new Set()));
    return entries;
  }
  if (choice === null) return null;
  if (typeof choice !== "string") {
    throw new ConfigError(
      group,
      `expected a config name or plugin specifier, found ${JSON.stringify(choice)}`,
    );
  }
  return await resolveEntry(configDir, group, choice);
}

async function resolveTracking(configDir: string, name: string, seen: Set<string>): Promise<unknown[]> {
  if (seen.has(name)) throw new ConfigError("tracking", `preset '${name}' includes itself`);
  seen.add(name);
  const entry = await resolveEntry(configDir, "tracking", name) as Record<string, unknown>;
  if (!("preset" in entry)) return [entry];
  if (!Array.isArray(entry.preset)) {
    throw new ConfigError(
      "tracking",
      `preset '${name}' must list tracker config names, found ${JSON.stringify(entry.preset)}`,
    );
  }
  const out: unknown[] = [];
  for (const n of entry.preset) out.push(...await resolveTracking(configDir, String(n), seen));
  return out;
}

/** `configs/<group>/<name>.yaml`, or a bare specifier when no such file exists. */
export async function resolveEntry(
  configDir: string,
  group: keyof typeof CONFIG_GROUPS,
  name: string,
): Promise<Record<string, unknown>> {
  const file = join(configDir, group, `${name}.yaml`);
  if (/^[A-Za-z0-9_-]+$/.test(name) && await exists(file)) {
    const entry = await readYamlMapping(file, group);
    if (typeof entry.use !== "string" && !("preset" in entry)) {
      throw new ConfigError(`${group}.use`, `${file} must set 'use' to a plugin specifier`);
    }
    return entry;
  }
  if (specifierSource(name) !== "builtin" || builtinNames()[CONFIG_GROUPS[group]].includes(name)) {
    return { use: name };
  }
  const available = await listConfigs(configDir, group);
  const hint = didYouMean(name, [...available, ...builtinNames()[CONFIG_GROUPS[group]]]);
  throw new ConfigError(
    group,
    `no config '${name}'${hint ? `; ${hint} Expected` : ": expected"} one of ${
      available.join(", ") || "(none)"
    } in ${join(configDir, group)}, ` +
      `a built-in ${CONFIG_GROUPS[group]} (${builtinNames()[CONFIG_GROUPS[group]].join(", ") || "none"}), ` +
      "a path, a URL or an npm: specifier",
  );
}

/** Config names available in a group folder. */
export async function listConfigs(configDir: string, group: string): Promise<string[]> {
  const names: string[] = [];
  try {
    for await (const e of Deno.readDir(join(configDir, group))) {
      if (e.isFile && e.name.endsWith(".yaml")) names.push(e.name.slice(0, -5));
    }
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  return names.sort();
}

async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then((s) => s.isFile, () => false);
}

async function readYamlMapping(file: string, keyPath: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await Deno.readTextFile(file);
  } catch (err) {
    throw new ConfigError(keyPath, `cannot read ${file}: ${(err as Error).message}`);
  }
  let value: unknown;
  try {
    value = YAML.parse(text);
  } catch (err) {
    throw new ConfigError(keyPath, `${file} is not valid YAML: ${(err as Error).message.split("\n")[0]}`);
  }
  if (value === null || value === undefined) return {};
  if (typeof value !== "object" || Array.isArray(value)) {
    throw new ConfigError(
      keyPath,
      `${file} must hold a mapping, found ${Array.isArray(value) ? "a list" : typeof value}`,
    );
  }
  return value as Record<string, unknown>;
}

/** Applies one override to the config tree in place. */
export function applyOverride(tree: Record<string, unknown>, o: Override): void {
  const key = o.path.join(".");
  const parent = walkToParent(tree, o.path, o.op === "add", o.text);
  const leaf = o.path[o.path.length - 1];
  const has = leafExists(parent, leaf);
  if (o.op === "remove") {
    if (!has) throw new ConfigError(key, `'${o.text}' removes a key that is not set`);
    if (Array.isArray(parent)) parent.splice(Number(leaf), 1);
    else delete (parent as Record<string, unknown>)[leaf];
    return;
  }
  if (o.op === "add" && has) {
    throw new ConfigError(key, `'${o.text}' adds a key that is already set; drop the '+'`);
  }
  if (Array.isArray(parent)) {
    const i = Number(leaf);
    if (!Number.isInteger(i) || i < 0 || i > parent.length) {
      throw new ConfigError(key, `list index ${leaf} outside 0..${parent.length}`);
    }
    parent[i] = o.value;
  } else (parent as Record<string, unknown>)[leaf] = o.value;
}

function leafExists(parent: unknown, leaf: string): boolean {
  if (Array.isArray(parent)) return Number(leaf) >= 0 && Number(leaf) < parent.length;
  return Object.hasOwn(parent as object, leaf);
}

function walkToParent(tree: Record<string, unknown>, path: string[], create: boolean, text: string): unknown {
  let node: unknown = tree;
  for (let i = 0; i < path.length - 1; i++) {
    const seg = path[i];
    const container = node as Record<string, unknown>;
    let next = Array.isArray(node) ? node[Number(seg)] : container[seg];
    if (next === undefined || next === null) {
      // A section the schema knows (e.g. `evaluation`) may be absent from the files: its defaults apply.
      if (!create && i === 0 && !SCHEMA_SECTIONS.includes(seg)) {
        throw new ConfigError(
          seg,
          `'${text}': no section '${seg}' in the config${sectionHint(seg)} (sections: ${
            SCHEMA_SECTIONS.join(", ")
          })`,
        );
      }
      next = {};
      container[seg] = next;
    }
    if (typeof next !== "object") {
      throw new ConfigError(path.slice(0, i + 1).join("."), `'${text}': is a ${typeof next}, not a mapping`);
    }
    node = next;
  }
  return node;
}

/** Validates the composed tree against the experiment schema; the first issue names its key. */
export function validateExperiment(tree: unknown): ExperimentConfig {
  const result = experimentSchema.safeParse(tree);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => {
    const path = issue.path.map(String);
    const keys = (issue as { keys?: string[] }).keys;
    const key = [...path, ...(keys?.length === 1 ? keys : [])].join(".");
    const found = lookup(tree, path);
    const foundText = issue.code === "unrecognized_keys" || found === undefined
      ? ""
      : ` (found ${JSON.stringify(found)})`;
    const hint = issue.code === "unrecognized_keys" && keys?.length === 1
      ? unknownKeyHint(path, keys[0])
      : "";
    return { key, text: `${issue.message}${hint}${foundText}` };
  });
  throw new ConfigError(
    issues[0].key,
    issues.map((i, n) => (n === 0 ? i.text : `${i.key}: ${i.text}`)).join("; "),
  );
}

/** `; did you mean 'model'?` for a mistyped section, else "". */
function sectionHint(seg: string): string {
  const hint = didYouMean(seg, SCHEMA_SECTIONS);
  return hint ? `; ${hint}` : "";
}

/** `; did you mean 'training.epochs'?` for a key the schema does not know at `path`, else "". */
function unknownKeyHint(path: string[], key: string): string {
  const hint = didYouMean(key, schemaKeysAt(path), path.map((p) => `${p}.`).join(""));
  return hint ? `; ${hint}` : "";
}

/** The keys the experiment schema accepts under `path` (through defaults, optionals and nullables). */
function schemaKeysAt(path: string[]): string[] {
  let node: unknown = experimentSchema;
  for (const seg of path) node = shapeOf(node)?.[seg];
  return Object.keys(shapeOf(node) ?? {});
}

function shapeOf(schema: unknown): Record<string, unknown> | undefined {
  let node = schema as
    | { shape?: Record<string, unknown>; _zod?: { def?: { innerType?: unknown } } }
    | undefined;
  while (node && node.shape === undefined && node._zod?.def?.innerType) {
    node = node._zod.def.innerType as typeof node;
  }
  return node?.shape;
}

function lookup(tree: unknown, path: string[]): unknown {
  let node = tree;
  for (const p of path) node = (node as Record<string, unknown> | undefined)?.[p];
  return node;
}

/** sha256 of the canonical config without `tracking` and output paths: what the results depend on. */
export async function configHash(config: ExperimentConfig): Promise<string> {
  // Where results go and how long plugin calls may take never change the numbers.
  const { tracking: _t, output: _o, plugins: _p, ...rest } = config;
  return await sha256Hex(canonicalJson(rest));
}

/** A run id `<UTC yyyymmddThhmmssZ>-<hash8>-<rand4>`. */
export function makeRunId(hash: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}Z$/, "Z");
  const rand = Array.from(crypto.getRandomValues(new Uint8Array(2)), (b) => b.toString(16).padStart(2, "0"))
    .join("");
  return `${stamp}-${hash.slice(0, 8)}-${rand}`;
}
