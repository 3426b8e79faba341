/**
 * Content-addressed disk cache under `artifacts/cache/`. Keys hash everything a result depends on:
 * the content of the source files (sha256 of the bytes, read every time: a path + size + mtime memo
 * reused old results for a file edited in place with its size and mtime kept, while the run manifest
 * recorded the new hash; hashing a 1.9 MB curve costs a few ms next to its ICA), the plugin's name and
 * version, and its options. Entries are written atomically and carry a checksum; a corrupted entry is
 * reported once and recomputed.
 */
import { join, resolve } from "node:path";
import { writeFileAtomic } from "../io/mod.ts";
import type { Logger } from "../dataset_shapes.ts";
import { canonicalJson, sha256Hex } from "../hash/mod.ts";

const MAGIC = new TextEncoder().encode("BMLCACHE1\n");

/** What a cache key is made of. */
export interface CacheKeyParts {
  plugin: string;
  version: string;
  options: unknown;
  /** Source files whose content the result depends on. */
  files?: readonly string[];
  /** Anything else that changes the result (e.g. a cell key). */
  extra?: unknown;
}

/** Counters since the cache was opened. */
export interface CacheStats {
  hits: number;
  misses: number;
  corrupt: number;
  writes: number;
}

/** Encodes and decodes cached values. */
export interface CacheCodec<T> {
  encode(value: T): Uint8Array;
  decode(bytes: Uint8Array): T;
}

/** JSON codec (the default). */
export const jsonCodec: CacheCodec<unknown> = {
  encode: (v) => new TextEncoder().encode(JSON.stringify(v)),
  decode: (b) => JSON.parse(new TextDecoder().decode(b)),
};

/** A disk cache rooted at `dir`. */
export class DiskCache {
  readonly dir: string;
  #stats: CacheStats = { hits: 0, misses: 0, corrupt: 0, writes: 0 };
  #warned = new Set<string>();
  #log?: Logger;

  constructor(dir = join("artifacts", "cache"), log?: Logger) {
    this.dir = resolve(dir);
    this.#log = log;
  }

  /** sha256 of a file's content, hashed from its bytes on every call (never trusted from size + mtime). */
  async fileHash(path: string): Promise<string> {
    return await sha256Hex(await Deno.readFile(resolve(path)));
  }

  /** The key for a result: sha256 over plugin, version, options, file contents and extras. */
  async key(parts: CacheKeyParts): Promise<string> {
    const files: Record<string, string> = {};
    for (const f of parts.files ?? []) files[resolve(f)] = await this.fileHash(f);
    // Paths are part of the key only through their content: moving a file keeps its entries valid.
    const contents = Object.values(files).sort();
    return await sha256Hex(
      canonicalJson({
        plugin: parts.plugin,
        version: parts.version,
        options: parts.options,
        contents,
        extra: parts.extra,
      }),
    );
  }

  /** The cached value, or undefined on a miss or a corrupted entry (reported once, then removed). */
  async get<T>(key: string, codec: CacheCodec<T> = jsonCodec as CacheCodec<T>): Promise<T | undefined> {
    let bytes: Uint8Array;
    try {
      bytes = await Deno.readFile(this.#entryPath(key));
    } catch (err) {
      if (err instanceof Deno.errors.NotFound) {
        this.#stats.misses++;
        return undefined;
      }
      throw err;
    }
    const payload = await this.#verified(bytes);
    if (payload === undefined) return this.#corrupt(key);
    try {
      const value = codec.decode(payload);
      this.#stats.hits++;
      return value;
    } catch {
      return this.#corrupt(key);
    }
  }

  /** Stores a value atomically. */
  async set<T>(key: string, value: T, codec: CacheCodec<T> = jsonCodec as CacheCodec<T>): Promise<void> {
    const payload = codec.encode(value);
    const digest = new TextEncoder().encode(await sha256Hex(payload) + "\n");
    const out = new Uint8Array(MAGIC.length + digest.length + payload.length);
    out.set(MAGIC, 0);
    out.set(digest, MAGIC.length);
    out.set(payload, MAGIC.length + digest.length);
    await writeFileAtomic(this.#entryPath(key), out);
    this.#stats.writes++;
  }

  /** The cached value for `key`, computing and storing it on a miss. */
  async getOrCompute<T>(key: string, compute: () => Promise<T> | T, codec?: CacheCodec<T>): Promise<T> {
    const hit = await this.get(key, codec);
    if (hit !== undefined) return hit;
    const value = await compute();
    await this.set(key, value, codec);
    return value;
  }

  /** Hit/miss/corruption counters since this cache was opened. */
  stats(): CacheStats {
    return { ...this.#stats };
  }

  /** Total bytes and entry count on disk. */
  async size(): Promise<{ bytes: number; entries: number }> {
    let bytes = 0, entries = 0;
    for await (const path of walkFiles(join(this.dir, "entries"))) {
      bytes += (await Deno.stat(path)).size;
      entries++;
    }
    return { bytes, entries };
  }

  /** Removes every entry. */
  async clear(): Promise<void> {
    await Deno.remove(this.dir, { recursive: true }).catch((err) => {
      if (!(err instanceof Deno.errors.NotFound)) throw err;
    });
  }

  async #verified(bytes: Uint8Array): Promise<Uint8Array | undefined> {
    const head = MAGIC.length, body = head + 65;
    if (bytes.length < body || !MAGIC.every((b, i) => bytes[i] === b)) return undefined;
    const want = new TextDecoder().decode(bytes.subarray(head, head + 64));
    const payload = bytes.subarray(body);
    return (await sha256Hex(payload)) === want ? payload : undefined;
  }

  async #corrupt<T>(key: string): Promise<T | undefined> {
    this.#stats.corrupt++;
    this.#stats.misses++;
    if (!this.#warned.has(key)) {
      this.#warned.add(key);
      this.#log?.warn(`cache entry ${key.slice(0, 12)}… is corrupted; recomputing it`);
    }
    await Deno.remove(this.#entryPath(key)).catch(() => {});
    return undefined;
  }

  #entryPath(key: string): string {
    if (!/^[0-9a-f]{64}$/.test(key)) {
      throw new RangeError(`cache key must be a sha256 hex string, found '${key}'`);
    }
    return join(this.dir, "entries", key.slice(0, 2), key);
  }
}

async function* walkFiles(dir: string): AsyncGenerator<string> {
  let entries: Deno.DirEntry[];
  try {
    entries = await Array.fromAsync(Deno.readDir(dir));
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return;
    throw err;
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory) yield* walkFiles(p);
    else if (e.isFile) yield p;
  }
}
