/**
 * The plugin store (`artifacts/plugins/`): every module of a URL plugin's graph kept under the sha256 of its
 * bytes, pinned in the plugin lock, and re-hashed every time it is loaded — an edited store file is
 * refused, so what runs is exactly what the user approved. Imports between stored modules go through an
 * import map (relative imports and other URLs → their store files), so runs need no network after `add`.
 *
 * Supported imports in a URL plugin: relative paths and http(s) URLs (fetched and pinned at `add`),
 * `node:` built-ins, and `npm:` packages the project's own frozen `deno.lock` already holds (an `npm:`
 * specifier must be spelled as in the lock, e.g. `npm:zod@4.6.7`). Imports are found by scanning the
 * source for static `import`/`export … from` and literal `import("…")`; a computed dynamic import is not
 * stored, and in the sandbox (`--no-remote`) it fails.
 */
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { writeFileAtomic } from "../../lib/io/mod.ts";
import { PluginError } from "../errors.ts";
import { sha256Hex } from "../../lib/hash/mod.ts";
import type { SandboxModules } from "./sandboxed_plugin.ts";

/** Default store folder, relative to the project. */
export const DEFAULT_STORE_DIR = join("artifacts", "plugins");

/** A module of a plugin's graph: where it came from and the sha256 of its bytes. */
export type ModulePins = Record<string, string>;

/** A stored, verified module graph ready to import. */
export interface StoredGraph {
  /** File URL of the root module's store file. */
  rootFileUrl: string;
  /** Every store file of the graph (absolute paths). */
  files: string[];
  /** Import map (absent when the graph is one module without imports). */
  importMap?: { imports: Record<string, string>; scopes: Record<string, Record<string, string>> };
}

/** What a sandbox imports for a stored graph: the root's store file, every store file readable, the map. */
export function sandboxModules(graph: StoredGraph): SandboxModules {
  return { rootUrl: graph.rootFileUrl, readable: graph.files, importMap: graph.importMap };
}

/** Fetches a plugin's whole module graph from `rootUrl`; returns each module's bytes by URL. */
export async function fetchModuleGraph(
  rootUrl: string,
  fetchSource: (url: string) => Promise<Uint8Array>,
  npmInLock: ReadonlySet<string>,
): Promise<Map<string, Uint8Array>> {
  const modules = new Map<string, Uint8Array>();
  const queue = [rootUrl];
  while (queue.length) {
    const url = queue.shift()!;
    if (modules.has(url)) continue;
    const bytes = await fetchSource(url);
    modules.set(url, bytes);
    for (const dep of moduleImports(url, bytes, npmInLock)) if (!modules.has(dep.url)) queue.push(dep.url);
  }
  return modules;
}

/** Stores modules content-addressed; returns their pins (url → sha256). */
export async function storeModules(modules: Map<string, Uint8Array>, storeDir: string): Promise<ModulePins> {
  const pins: ModulePins = {};
  for (const [url, bytes] of modules) {
    const sha = await sha256Hex(bytes);
    pins[url] = sha;
    const file = storeFile(storeDir, url, sha);
    // Content-addressed: an existing file of this name that still hashes right holds these bytes.
    const current = await Deno.readFile(file).catch(() => undefined);
    if (!current || await sha256Hex(current) !== sha) await writeFileAtomic(file, bytes);
  }
  return pins;
}

/**
 * Loads a pinned graph from the store, re-hashing every file against its pin; a module missing from every
 * store folder is fetched with `fetchMissing` (then checked the same way) and stored in `storeDirs[0]`.
 */
export async function loadStoredGraph(
  specifier: string,
  pins: ModulePins,
  storeDirs: string[],
  fetchMissing: (url: string) => Promise<Uint8Array>,
): Promise<StoredGraph> {
  // Every module is read and re-hashed at once (this sits before the sandbox starts, on every run); a
  // failure is reported for the first module in pin order, whichever finished first.
  const verified = await Promise.allSettled(
    Object.entries(pins).map(([url, sha]) => verifiedModule(specifier, url, sha, storeDirs, fetchMissing)),
  );
  const failed = verified.find((v) => v.status === "rejected");
  if (failed) throw (failed as PromiseRejectedResult).reason;
  const fileOf = new Map<string, string>();
  const bytesOf = new Map<string, Uint8Array>();
  for (const v of verified as PromiseFulfilledResult<{ url: string; file: string; bytes: Uint8Array }>[]) {
    fileOf.set(v.value.url, v.value.file);
    bytesOf.set(v.value.url, v.value.bytes);
  }
  return { ...graphImportMap(specifier, fileOf, bytesOf), files: [...fileOf.values()] };
}

/** One pinned module: its store file (fetched and stored when missing) and its bytes, hash checked. */
async function verifiedModule(
  specifier: string,
  url: string,
  sha: string,
  storeDirs: string[],
  fetchMissing: (url: string) => Promise<Uint8Array>,
): Promise<{ url: string; file: string; bytes: Uint8Array }> {
  let found: { file: string; bytes: Uint8Array } | undefined;
  for (const dir of storeDirs) {
    const file = storeFile(dir, url, sha);
    const bytes = await Deno.readFile(file).catch(() => undefined);
    if (bytes) {
      found = { file, bytes };
      break;
    }
  }
  if (!found) {
    const bytes = await fetchMissing(url);
    found = { file: storeFile(storeDirs[0], url, sha), bytes };
    await checkPin(specifier, url, sha, bytes, `the server sent`);
    await writeFileAtomic(found.file, bytes);
  }
  await checkPin(specifier, url, sha, found.bytes, `store file ${found.file} now holds`);
  return { url, file: resolve(found.file), bytes: found.bytes };
}

async function checkPin(specifier: string, url: string, sha: string, bytes: Uint8Array, what: string) {
  const found = await sha256Hex(bytes);
  if (found !== sha) {
    throw new PluginError(
      specifier,
      `module ${url} is pinned to sha256 ${sha}, but ${what} sha256 ${found}; refusing to run it ` +
        "(review the change and run 'batteryml plugins update' to trust it)",
    );
  }
}

function graphImportMap(
  specifier: string,
  fileOf: Map<string, string>,
  bytesOf: Map<string, Uint8Array>,
): Omit<StoredGraph, "files"> {
  const root = fileOf.get(specifier);
  if (!root) throw new PluginError(specifier, "the plugin lock pins no module for the plugin's own URL");
  const fileUrl = (url: string) => pathToFileURL(fileOf.get(url)!).href;
  const scopes: Record<string, Record<string, string>> = {};
  for (const [url, bytes] of bytesOf) {
    const scope: Record<string, string> = {};
    for (const dep of moduleImports(url, bytes, null)) {
      if (!fileOf.has(dep.url)) {
        throw new PluginError(
          specifier,
          `module ${url} imports ${dep.url}, which the plugin lock does not pin`,
        );
      }
      // Deno resolves a relative import against the importing store file, so that is the key to map.
      const key = dep.relative ? new URL(dep.specifier, fileUrl(url)).href : dep.url;
      scope[key] = fileUrl(dep.url);
    }
    if (Object.keys(scope).length) scopes[fileUrl(url)] = scope;
  }
  const rootFileUrl = fileUrl(specifier);
  return Object.keys(scopes).length ? { rootFileUrl, importMap: { imports: {}, scopes } } : { rootFileUrl };
}

/** Path of a module's store file: `<sha256>.<extension of the URL>` (Deno picks the media type by it). */
export function storeFile(storeDir: string, url: string, sha: string): string {
  const ext = /\.(ts|mts|js|mjs|tsx|jsx|json)$/.exec(new URL(url).pathname)?.[1] ?? "ts";
  return join(storeDir, `${sha}.${ext}`);
}

/** An import of a module that the store must hold: its spelling and the URL it resolves to. */
interface StoredImport {
  specifier: string;
  url: string;
  relative: boolean;
}

const IMPORT_PATTERNS = [
  // Type-only imports are erased before the module runs: Deno never loads them, so neither does the store.
  /\b(?:import|export)\s+(?!type\s)[^'";]*?\bfrom\s*["']([^"']+)["']/g,
  /\bimport\s*["']([^"']+)["']/g,
  /\bimport\s*\(\s*["']([^"']+)["']\s*\)/g,
];

/**
 * The imports of a module the store must hold (relative and http(s)); `node:` passes; `npm:` must be
 * in `npmInLock` (skipped when null: at load the add-time check already ran); anything else is refused.
 */
export function moduleImports(url: string, bytes: Uint8Array, npmInLock: ReadonlySet<string> | null) {
  const source = new TextDecoder().decode(bytes).replace(/\/\*[\s\S]*?\*\//g, "").replace(
    /^\s*\/\/.*$/gm,
    "",
  );
  const out: StoredImport[] = [];
  const seen = new Set<string>();
  for (const pattern of IMPORT_PATTERNS) {
    for (const m of source.matchAll(pattern)) {
      const spec = m[1];
      if (seen.has(spec)) continue;
      seen.add(spec);
      if (spec.startsWith("node:")) continue;
      if (spec.startsWith("npm:")) {
        if (npmInLock && !npmInLock.has(spec)) {
          throw new PluginError(
            url,
            `imports ${spec}, which the project's frozen deno.lock does not hold; a URL plugin may use the ` +
              `npm packages the project pins: ${[...npmInLock].sort().join(", ")}`,
          );
        }
        continue;
      }
      const relative = spec.startsWith("./") || spec.startsWith("../") || spec.startsWith("/");
      if (!relative && !/^https?:\/\//.test(spec)) {
        throw new PluginError(
          url,
          `imports '${spec}': a URL plugin may import relative paths, http(s) URLs, node: built-ins and ` +
            "npm: packages pinned in the project's deno.lock",
        );
      }
      out.push({ specifier: spec, url: new URL(spec, url).href, relative });
    }
  }
  return out;
}

/** The `npm:` specifiers the project's deno.lock holds (what a sandboxed plugin may import). */
export async function npmSpecifiersInLock(lockPath = "deno.lock"): Promise<Set<string>> {
  try {
    const lock = JSON.parse(await Deno.readTextFile(lockPath)) as { specifiers?: Record<string, string> };
    return new Set(Object.keys(lock.specifiers ?? {}).filter((s) => s.startsWith("npm:")));
  } catch {
    return new Set();
  }
}
