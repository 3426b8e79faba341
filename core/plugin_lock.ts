/**
 * The plugin lock: URL plugins pinned by the sha256 of their source, separate from the project's frozen
 * `deno.lock`. `batteryml plugins add <url>` writes an entry; the loader refuses a URL without one, or
 * whose bytes no longer hash to it.
 */
import { writeFileAtomic } from "../lib/io/mod.ts";
import { PluginError } from "./errors.ts";
import { sha256Hex } from "../lib/hash/mod.ts";
// A cycle (the loader reads the lock), harmless: neither module uses the other while it loads.
import { fetchPluginSource, loadPlugin } from "./loader.ts";

/** One trusted URL plugin. */
export interface PluginLockEntry {
  sha256: string;
  kind: string;
  name: string;
  version: string;
  addedAt: string;
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

/**
 * Trusts a URL plugin (`batteryml plugins add`): fetches it, pins the sha256 of its bytes, loads it through
 * the loader against that pin (so the module that passed validation is the one pinned), and writes the
 * lock with the definition's kind, name and version. The lock is written only when every step succeeds.
 */
export async function trustUrlPlugin(url: string, path = defaultPluginLockPath()): Promise<PluginLockEntry> {
  if (!/^https?:\/\//.test(url)) throw new Error(`'${url}' is not an http(s) URL`);
  const sha256 = await sha256Hex(await fetchPluginSource(url));
  const lock = await readPluginLock(path);
  const addedAt = new Date().toISOString();
  // A provisional pin: the loader refuses URLs that are not in the lock.
  lock.plugins[url] = { sha256, kind: "?", name: "?", version: "?", addedAt };
  const { definition } = await loadPlugin(url, undefined, { lock });
  const entry = {
    sha256,
    kind: definition.kind,
    name: definition.name,
    version: definition.version,
    addedAt,
  };
  lock.plugins[url] = entry;
  await writePluginLock(lock, path);
  return entry;
}
