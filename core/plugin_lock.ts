/**
 * The plugin lock: URL plugins pinned by the sha256 of every module of their graph, with the permissions
 * the user approved, separate from the project's frozen `deno.lock`. `batteryml plugins add <url>` writes
 * an entry; the loader refuses a URL without one, or whose stored bytes no longer hash to it.
 */
import { writeFileAtomic } from "../lib/io/mod.ts";
import { PluginError } from "./errors.ts";
// A cycle (the loader reads the lock), harmless: neither module uses the other while it loads.
import { checkSandboxedDescription, fetchPluginSource } from "./loader.ts";
import {
  type DeclaredPermissions,
  NO_PERMISSIONS,
  parseDeclaredPermissions,
} from "./sandbox/declared_permissions.ts";
import {
  DEFAULT_STORE_DIR,
  fetchModuleGraph,
  loadStoredGraph,
  type ModulePins,
  npmSpecifiersInLock,
  sandboxModules,
  storeModules,
} from "./sandbox/module_store.ts";
import { openSandbox } from "./sandbox/sandboxed_plugin.ts";

/** One trusted URL plugin. */
export interface PluginLockEntry {
  /** sha256 of the plugin's own module (its URL). */
  sha256: string;
  kind: string;
  name: string;
  version: string;
  addedAt: string;
  /** What the user approved: the sandbox gets exactly this (absent in older locks: nothing). */
  permissions?: DeclaredPermissions;
  /** sha256 of every module of its graph by URL, the plugin's own included (absent: one module). */
  modules?: ModulePins;
}

/** The lock file's content. */
export interface PluginLock {
  version: 1;
  plugins: Record<string, PluginLockEntry>;
}

/** Default location of the plugin lock (override with BATTERYML_PLUGIN_LOCK). */
export function defaultPluginLockPath(): string {
  return Deno.env.get("BATTERYML_PLUGIN_LOCK") ?? "plugins.lock.json";
}

/** Reads the plugin lock; a missing file is an empty lock, a malformed one an error naming the file. */
export async function readPluginLock(path = defaultPluginLockPath()): Promise<PluginLock> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return { version: 1, plugins: {} };
    throw err;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new PluginError(path, `plugin lock is not valid JSON (${(err as Error).message})`);
  }
  const lock = parsed as Partial<PluginLock>;
  if (lock.version !== 1 || typeof lock.plugins !== "object" || lock.plugins === null) {
    throw new PluginError(path, "plugin lock must be { version: 1, plugins: { <url>: { sha256, … } } }");
  }
  return lock as PluginLock;
}

/** Writes the plugin lock atomically with sorted keys, so diffs stay readable. */
export async function writePluginLock(lock: PluginLock, path = defaultPluginLockPath()): Promise<void> {
  const plugins: Record<string, PluginLockEntry> = {};
  for (const url of Object.keys(lock.plugins).sort()) plugins[url] = lock.plugins[url];
  await writeFileAtomic(path, JSON.stringify({ version: 1, plugins }, null, 2) + "\n");
}

/** Settings of `inspectUrlPlugin`. */
export interface InspectOptions {
  /** Store folder (default `artifacts/plugins`). */
  storeDir?: string;
  /** Seconds the sandbox may take to load the module (its top-level code) before it is stopped. */
  timeoutS?: number;
  /** Folder declared relative paths resolve against (default: cwd). */
  baseDir?: string;
}

/**
 * What `plugins add` and `plugins update` show before anything is trusted: fetches the module graph,
 * stores it content-addressed, and loads it in a sandbox that has no permission at all (never in this
 * process), so top-level code that reads, writes, connects or spawns is denied. Returns the lock entry
 * the user is asked to approve.
 */
export async function inspectUrlPlugin(url: string, options: InspectOptions = {}): Promise<PluginLockEntry> {
  if (!/^https?:\/\//.test(url)) throw new Error(`'${url}' is not an http(s) URL`);
  const storeDir = options.storeDir ?? DEFAULT_STORE_DIR;
  const modules = await fetchModuleGraph(url, (u) => fetchPluginSource(u), await npmSpecifiersInLock());
  const pins = await storeModules(modules, storeDir);
  const graph = await loadStoredGraph(url, pins, [storeDir], (u) => fetchPluginSource(u));
  const sandbox = await openSandbox(url, sandboxModules(graph), NO_PERMISSIONS, {
    baseDir: options.baseDir ?? Deno.cwd(),
    timeoutS: options.timeoutS ?? DEFAULT_INSPECT_TIMEOUT_S,
  });
  try {
    const d = sandbox.description;
    checkSandboxedDescription(url, d, undefined);
    return {
      sha256: pins[url],
      kind: d.kind!,
      name: d.name!,
      version: d.version!,
      addedAt: new Date().toISOString(),
      permissions: parseDeclaredPermissions(d.permissions) as DeclaredPermissions,
      modules: pins,
    };
  } finally {
    sandbox.process.stop("inspection done");
  }
}

/** Seconds `plugins add` lets a module's top-level code run by default. */
export const DEFAULT_INSPECT_TIMEOUT_S = 30;

/** Records an approved entry in the lock (atomically; other entries unchanged). */
export async function recordTrustedPlugin(
  url: string,
  entry: PluginLockEntry,
  path = defaultPluginLockPath(),
): Promise<void> {
  const lock = await readPluginLock(path);
  lock.plugins[url] = entry;
  await writePluginLock(lock, path);
}

/** Removes a URL plugin from the lock; false when it was not there. */
export async function removeTrustedPlugin(url: string, path = defaultPluginLockPath()): Promise<boolean> {
  const lock = await readPluginLock(path);
  if (!lock.plugins[url]) return false;
  delete lock.plugins[url];
  await writePluginLock(lock, path);
  return true;
}

/**
 * Trusts a URL plugin without asking (scripts and tests; the CLI asks first): inspects it in a sandbox
 * and writes the lock only when every step succeeds.
 */
export async function trustUrlPlugin(url: string, path = defaultPluginLockPath()): Promise<PluginLockEntry> {
  const entry = await inspectUrlPlugin(url);
  await recordTrustedPlugin(url, entry, path);
  return entry;
}
