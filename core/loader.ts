/**
 * The plugin loader: specifier → module → validated definition. Built-ins, paths, URLs and npm packages
 * take the same path through `validateDefinition`, so a built-in is checked exactly like a third-party
 * plugin.
 *
 * Only built-ins run in this (trusted) process. Every other plugin is imported in a sandbox process holding
 * only the permissions its definition declares, and the definition returned here calls into it
 * (core/sandbox/sandboxed_plugin.ts). URL plugins come from the content-addressed store, pinned in the
 * plugin lock by `batteryml plugins add` and re-hashed on every load (core/sandbox/module_store.ts); path
 * and npm: plugins are local code, approved by being in the project (core/sandbox/local_plugin.ts).
 * Trusted code of a script may take a path or npm: plugin into its own process with `runInProcess`.
 */
import { isAbsolute, resolve } from "node:path";
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
import { type PluginLock, readPluginLock } from "./plugin_lock.ts";
import { DEFAULT_PLUGIN_TIMEOUT_S } from "./experiment_schema.ts";
import {
  type DeclaredPermissions,
  describePermissions,
  parseDeclaredPermissions,
  permissionsDiff,
} from "./sandbox/declared_permissions.ts";
import { DEFAULT_STORE_DIR, loadStoredGraph, sandboxModules } from "./sandbox/module_store.ts";
import { openLocalSandbox } from "./sandbox/local_plugin.ts";
import {
  openSandbox,
  type SandboxDescription,
  sandboxedDefinition,
  type SandboxOptions,
} from "./sandbox/sandboxed_plugin.ts";

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
  /** A plugin store folder searched first (default `artifacts/plugins`, always searched too). */
  urlCacheDir?: string;
  /** Timeout of a URL fetch. */
  timeoutMs?: number;
  /** Seconds a sandboxed plugin's call may take before its sandbox is stopped (`plugins.timeout_s`). */
  timeoutS?: number;
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
      if (IN_PROCESS.has(url)) return { module: await importOrExplain(spec, url), resolved: url };
      return { module: await importSandboxedLocal(spec, url, kind, options), resolved: url };
    }
    case "npm":
      if (IN_PROCESS.has(spec)) return { module: await importOrExplain(spec, spec), resolved: spec };
      return { module: await importSandboxedLocal(spec, spec, kind, options), resolved: spec };
    case "url":
      return await importVerifiedUrl(spec, options);
  }
}

/** Path (file URLs) and npm: specifiers that trusted code asked to load in this process. */
const IN_PROCESS = new Set<string>();

/**
 * Loads these path or `npm:` plugins in this process instead of a sandbox, with all of its permissions.
 * For trusted code that is itself a script or a test: a plugin sharing state with its caller, or a loss,
 * which computes on tfjs tensors inside the training step and so cannot run sandboxed. The CLI never
 * calls it. Paths resolve against the current folder.
 */
export function runInProcess(...specifiers: string[]): void {
  for (const spec of specifiers) {
    const source = specifierSource(spec);
    if (source === "npm") IN_PROCESS.add(spec);
    else if (source === "path") {
      IN_PROCESS.add(spec.startsWith("file:") ? spec : pathToFileURL(resolve(spec)).href);
    } else throw new PluginError(spec, "only path and npm: plugins can be taken into the process");
  }
}

/** A path or npm: plugin in its sandbox, with the permissions it declares. */
async function importSandboxedLocal(
  spec: string,
  rootUrl: string,
  kind: PluginKind | undefined,
  options: LoaderOptions,
): Promise<unknown> {
  const { sandbox, permissions } = await openLocalSandbox(spec, rootUrl, sandboxOptions(options), (d) => {
    checkSandboxedDescription(spec, d, undefined);
    if (kind && d.kind !== kind) {
      throw new PluginError(
        spec,
        `is a ${d.kind} plugin ('${d.name}'), but a ${kind} plugin is expected here`,
      );
    }
  });
  return { default: sandboxedDefinition(sandbox, permissions) };
}

function sandboxOptions(options: LoaderOptions): SandboxOptions {
  return {
    baseDir: options.baseDir ?? Deno.cwd(),
    timeoutS: options.timeoutS ?? DEFAULT_PLUGIN_TIMEOUT_S,
  };
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
  const pins = entry.modules ?? { [url]: entry.sha256 };
  const permissions = parseDeclaredPermissions(entry.permissions);
  if ("problems" in permissions) {
    throw new PluginError(url, `plugin lock entry: ${permissions.problems.join("; ")}`);
  }
  const storeDirs = [...new Set([options.urlCacheDir ?? DEFAULT_STORE_DIR, DEFAULT_STORE_DIR])];
  const graph = await loadStoredGraph(url, pins, storeDirs, (u) => fetchPluginSource(u, options.timeoutMs));
  const sandbox = await openSandbox(url, sandboxModules(graph), permissions, sandboxOptions(options));
  try {
    checkSandboxedDescription(url, sandbox.description, permissions);
  } catch (err) {
    sandbox.process.stop("refused");
    throw err;
  }
  return {
    module: { default: sandboxedDefinition(sandbox, permissions) },
    resolved: url,
    integrity: entry.sha256,
  };
}

/** A sandboxed module must be a valid definition of a kind that can run there, declaring what the lock grants. */
export function checkSandboxedDescription(
  url: string,
  d: SandboxDescription,
  granted: DeclaredPermissions | undefined,
): void {
  if (d.problems.length) throw new PluginError(url, `invalid definition: ${d.problems.join("; ")}`);
  if (d.kind === "loss") {
    throw new PluginError(
      url,
      "a loss cannot run sandboxed: it computes on tfjs tensors inside the model's training step, which " +
        "cannot cross processes; ship it inside a model plugin, or load it from a script with runInProcess " +
        "(trusted, in-process)",
    );
  }
  const declared = parseDeclaredPermissions(d.permissions);
  if ("problems" in declared) {
    throw new PluginError(url, `invalid definition: ${declared.problems.join("; ")}`);
  }
  if (granted && permissionsDiff(granted, declared).length) {
    throw new PluginError(
      url,
      `declares permissions ${describePermissions(declared)} but the plugin lock grants ` +
        `${describePermissions(granted)}; run 'batteryml plugins update ${url}'`,
    );
  }
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
