/**
 * The plugin loader: specifier → module → validated definition. Built-ins, paths, URLs and npm packages
 * take the same path through `validateDefinition`, so a built-in is checked exactly like a third-party
 * plugin.
 *
 * URL plugins are fetched, hashed and compared with the plugin lock, then imported from a
 * content-addressed local copy (`artifacts/plugins/<sha256>.<ext>`). Importing the URL directly would let
 * Deno record it in the project's frozen `deno.lock` (which must never change), and would verify nothing
 * the user pinned; importing the verified bytes means what runs is exactly what was trusted.
 */
import { isAbsolute, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { BUILTIN_PLUGINS } from "../plugins/index.ts";
import { didYouMean } from "../lib/text/mod.ts";
import { ConfigError, PluginError } from "./errors.ts";
import {
  definitionProblems,
  type InstanceOf,
  instanceProblems,
  PLUGIN_KINDS,
  type PluginContext,
  type PluginDefinition,
  type PluginKind,
  type StandardIssue,
} from "./plugin.ts";
import { sha256Hex } from "../lib/hash/mod.ts";
import { type PluginLock, readPluginLock } from "./plugin_lock.ts";

/** Where a plugin came from. */
export type PluginSource = "builtin" | "path" | "url" | "npm";

/** A loaded, shape-checked definition and its provenance (for the run manifest). */
export interface LoadedPlugin<K extends PluginKind = PluginKind> {
  specifier: string;
  source: PluginSource;
  /** The module actually imported (a file URL for paths and verified URL copies). */
  resolved: string;
  /** sha256 of the source for URL plugins. */
  integrity?: string;
  definition: PluginDefinition<K, unknown, InstanceOf[K]>;
}

/** Loader settings; defaults suit the CLI run from the project root. */
export interface LoaderOptions {
  /** Folder relative paths are resolved against (default: cwd). */
  baseDir?: string;
  /** Plugin lock (default: read from `plugins.lock.json`). */
  lock?: PluginLock;
  /** Where verified copies of URL plugins are stored (default `artifacts/plugins`). */
  urlCacheDir?: string;
  /** Timeout of a URL fetch. */
  timeoutMs?: number;
}

/** Classifies a specifier. */
export function specifierSource(spec: string): PluginSource {
  if (/^https?:\/\//i.test(spec)) return "url";
  if (spec.startsWith("npm:")) return "npm";
  if (
    spec.startsWith("file:") || spec.startsWith(".") || spec.startsWith("/") || /\.(ts|js|mjs)$/.test(spec)
  ) {
    return "path";
  }
  return "builtin";
}

/** Loads and validates a plugin; `kind` (when given) must match the definition's. */
export async function loadPlugin<K extends PluginKind>(
  spec: string,
  kind?: K,
  options: LoaderOptions = {},
): Promise<LoadedPlugin<K>> {
  if (typeof spec !== "string" || spec.trim() === "") {
    throw new PluginError(String(spec), "empty specifier: expected a built-in name, a path, a URL or npm:");
  }
  const source = specifierSource(spec);
  const { module, resolved, integrity } = await importBySource(spec, source, kind, options);
  const definition = validateDefinition(spec, module, kind);
  return { specifier: spec, source, resolved, integrity, definition };
}

async function importBySource(
  spec: string,
  source: PluginSource,
  kind: PluginKind | undefined,
  options: LoaderOptions,
): Promise<{ module: unknown; resolved: string; integrity?: string }> {
  switch (source) {
    case "builtin":
      return { module: await importBuiltin(spec, kind), resolved: `builtin:${spec}` };
    case "path": {
      const url = spec.startsWith("file:")
        ? spec
        : pathToFileURL(isAbsolute(spec) ? spec : resolve(options.baseDir ?? Deno.cwd(), spec)).href;
      return { module: await importOrExplain(spec, url), resolved: url };
    }
    case "npm":
      return { module: await importOrExplain(spec, spec), resolved: spec };
    case "url":
      return await importVerifiedUrl(spec, options);
  }
}

async function importBuiltin(name: string, kind: PluginKind | undefined): Promise<unknown> {
  const kinds = kind ? [kind] : PLUGIN_KINDS;
  for (const k of kinds) {
    const load = BUILTIN_PLUGINS[k][name];
    if (load) return await load();
  }
  const known = kinds.map((k) => `${k}: ${Object.keys(BUILTIN_PLUGINS[k]).sort().join(", ") || "(none)"}`);
  throw new PluginError(
    name,
    `no built-in ${kind ?? "plugin"} of that name; built-ins are ${known.join("; ")} ` +
      "(or give a path, an https: URL or an npm: specifier)",
  );
}

async function importOrExplain(spec: string, url: string): Promise<unknown> {
  try {
    return await import(url);
  } catch (err) {
    const msg = (err as Error).message ?? String(err);
    const hint = spec.startsWith("npm:")
      ? " (npm plugins must be in deno.json's imports — `deno add` them — because the lock is frozen)"
      : "";
    throw new PluginError(spec, `cannot import ${url}: ${firstLine(msg)}${hint}`, { cause: err });
  }
}

async function importVerifiedUrl(
  url: string,
  options: LoaderOptions,
): Promise<{ module: unknown; resolved: string; integrity: string }> {
  const lock = options.lock ?? await readPluginLock();
  const entry = lock.plugins[url];
  if (!entry) {
    throw new PluginError(
      url,
      `URL not in the plugin lock; trust it first with 'batteryml plugins add ${url}'`,
    );
  }
  const bytes = await fetchPluginSource(url, options.timeoutMs);
  const sha = await sha256Hex(bytes);
  if (sha !== entry.sha256) {
    throw new PluginError(
      url,
      `content hash mismatch: the plugin lock pins sha256 ${entry.sha256}, the server sent ${sha}; ` +
        "the module changed since it was added — review it and run 'batteryml plugins add' again",
    );
  }
  const file = await storeVerifiedCopy(url, bytes, sha, options.urlCacheDir);
  return { module: await importOrExplain(url, pathToFileURL(file).href), resolved: url, integrity: sha };
}

/** Fetches a plugin's source; unreachable hosts and HTTP errors become PluginErrors with the reason. */
export async function fetchPluginSource(url: string, timeoutMs = 15_000): Promise<Uint8Array> {
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    throw new PluginError(url, `unreachable: ${firstLine((err as Error).message ?? String(err))}`, {
      cause: err,
    });
  }
  if (!res.ok) {
    await res.body?.cancel();
    throw new PluginError(url, `server answered HTTP ${res.status} ${res.statusText}`);
  }
  return new Uint8Array(await res.arrayBuffer());
}

async function storeVerifiedCopy(url: string, bytes: Uint8Array, sha: string, dir?: string): Promise<string> {
  const ext = /\.(ts|js|mjs|tsx)(\?|#|$)/.exec(new URL(url).pathname)?.[1] ?? "ts";
  const folder = resolve(dir ?? join("artifacts", "plugins"));
  await Deno.mkdir(folder, { recursive: true });
  const file = join(folder, `${sha}.${ext}`);
  // Content-addressed: an existing file with this name already holds these exact bytes.
  const exists = await Deno.stat(file).then(() => true, () => false);
  if (!exists) {
    const tmp = `${file}.${crypto.randomUUID()}.tmp`;
    await Deno.writeFile(tmp, bytes);
    await Deno.rename(tmp, file);
  }
  return file;
}

/** Checks a module's default export by shape; every problem is listed in one PluginError. */
export function validateDefinition<K extends PluginKind>(
  spec: string,
  module: unknown,
  kind?: K,
): PluginDefinition<K, unknown, InstanceOf[K]> {
  const def = (module as { default?: unknown } | null)?.default;
  if (def === undefined) {
    throw new PluginError(spec, "module has no default export; export default a plugin definition object");
  }
  const problems = definitionProblems(def);
  if (problems.length > 0) throw new PluginError(spec, `invalid definition: ${problems.join("; ")}`);
  const d = def as PluginDefinition<K, unknown, InstanceOf[K]>;
  if (kind && d.kind !== kind) {
    throw new PluginError(spec, `is a ${d.kind} plugin ('${d.name}'), but a ${kind} plugin is expected here`);
  }
  return d;
}

/** Validates raw options with the definition's Standard Schema; issues become one ConfigError. */
export async function validateOptions<O>(
  def: PluginDefinition<PluginKind, O>,
  raw: unknown,
  keyPath: string,
): Promise<O> {
  const result = await def.options["~standard"].validate(raw ?? {});
  if (result.issues) {
    const lines = result.issues.map((issue) => describeIssue(issue, keyPath, raw, optionKeys(def.options)));
    throw new ConfigError(lines[0].key, lines.map((l) => l.text).join("; ") + ` (plugin '${def.name}')`);
  }
  return result.value;
}

function describeIssue(
  issue: StandardIssue,
  keyPath: string,
  raw: unknown,
  known: string[],
): { key: string; text: string } {
  const segments = (issue.path ?? []).map((p) => String(typeof p === "object" ? p.key : p));
  const key = [keyPath, ...segments].filter((s) => s !== "").join(".");
  let value: unknown = raw;
  for (const s of segments) value = (value as Record<string, unknown> | undefined)?.[s];
  const found = value === undefined ? "" : ` (found ${JSON.stringify(value)})`;
  // One mistyped option (zod's unrecognized_keys issue names it): suggest the nearest known one.
  const unknown = (issue as { keys?: string[] }).keys;
  const hint = segments.length === 0 && unknown?.length === 1 && known.length
    ? didYouMean(unknown[0], known, keyPath ? `${keyPath}.` : "")
    : "";
  return { key, text: `${key}: ${issue.message}${hint ? `; ${hint}` : ""}${found}` };
}

/** The option names of a zod object schema (its `shape`); none for other Standard Schemas. */
function optionKeys(schema: unknown): string[] {
  const shape = (schema as { shape?: unknown }).shape;
  return shape && typeof shape === "object" ? Object.keys(shape) : [];
}

/** Validates options, calls `create` and checks the instance's shape. */
export async function createPlugin<K extends PluginKind>(
  loaded: LoadedPlugin<K>,
  rawOptions: unknown,
  ctx: PluginContext,
  keyPath: string,
): Promise<InstanceOf[K]> {
  const options = await validateOptions(loaded.definition, rawOptions, keyPath);
  const instance = await loaded.definition.create(options, ctx);
  const problems = instanceProblems(loaded.definition.kind, instance);
  if (problems.length > 0) throw new PluginError(loaded.specifier, problems.join("; "));
  return instance as InstanceOf[K];
}

/** Every built-in plugin name by kind. */
export function builtinNames(): Record<PluginKind, string[]> {
  const out = {} as Record<PluginKind, string[]>;
  for (const k of PLUGIN_KINDS) out[k] = Object.keys(BUILTIN_PLUGINS[k]).sort();
  return out;
}

function firstLine(s: string): string {
  return s.split("\n")[0];
}
