import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { DiskCache } from "../../../lib/cache/mod.ts";
import { sha256Hex } from "../../../lib/hash/mod.ts";
import { createRecordingLogger } from "../../../core/log.ts";

async function setup() {
  const dir = await Deno.makeTempDir({ prefix: "batteryml-cache-" });
  const src = join(dir, "source.csv");
  await Deno.writeTextFile(src, "a,b\n1,2\n");
  const log = createRecordingLogger();
  return { dir, src, log, cache: new DiskCache(join(dir, "cache"), log) };
}

Deno.test("miss, then hit; the key covers plugin, version, options and file content", async () => {
  const { src, cache } = await setup();
  const parts = { plugin: "ica_peaks", version: "1", options: { k: 3 }, files: [src] };
  const key = await cache.key(parts);
  let computed = 0;
  const compute = () => ++computed && { peaks: [1, 2] };
  assert.deepEqual(await cache.getOrCompute(key, compute), { peaks: [1, 2] });
  assert.deepEqual(await cache.getOrCompute(key, compute), { peaks: [1, 2] });
  assert.equal(computed, 1);
  assert.deepEqual(cache.stats(), { hits: 1, misses: 1, corrupt: 0, writes: 1 });
  assert.notEqual(await cache.key({ ...parts, options: { k: 4 } }), key);
  assert.notEqual(await cache.key({ ...parts, version: "2" }), key);
  assert.notEqual(await cache.key({ ...parts, plugin: "other" }), key);
});

Deno.test("changing a source file's content invalidates its entries", async () => {
  const { src, cache } = await setup();
  const parts = { plugin: "p", version: "1", options: {}, files: [src] };
  const before = await cache.key(parts);
  await new Promise((r) => setTimeout(r, 20)); // a distinct mtime
  await Deno.writeTextFile(src, "a,b\n1,3\n");
  const after = await cache.key(parts);
  assert.notEqual(before, after);
  // Same content again → same key as at first (content-addressed, not mtime-addressed).
  await Deno.writeTextFile(src, "a,b\n1,2\n");
  assert.equal(await cache.key(parts), before);
});

Deno.test("a file edited in place with its size and mtime kept gets a new hash and a new key", async () => {
  const { src, cache } = await setup();
  const parts = { plugin: "p", version: "1", options: {}, files: [src] };
  const before = await Deno.stat(src);
  const key = await cache.key(parts);
  assert.equal(await cache.fileHash(src), await sha256Hex(new TextEncoder().encode("a,b\n1,2\n")));
  await Deno.writeTextFile(src, "a,b\n9,2\n"); // same size
  await Deno.utime(src, before.atime!, before.mtime!);
  const after = await Deno.stat(src);
  assert.equal(after.size, before.size);
  assert.equal(after.mtime!.getTime(), before.mtime!.getTime());
  assert.equal(await cache.fileHash(src), await sha256Hex(new TextEncoder().encode("a,b\n9,2\n")));
  assert.notEqual(await cache.key(parts), key);
  // A fresh cache object (a later run) sees the new content too.
  assert.notEqual(await new DiskCache(join(dirname(src), "cache")).key(parts), key);
});

Deno.test("a corrupted entry is reported once and recomputed", async () => {
  const { dir, cache, log } = await setup();
  const key = await cache.key({ plugin: "p", version: "1", options: {} });
  await cache.set(key, { v: 1 });
  const file = join(dir, "cache", "entries", key.slice(0, 2), key);
  const bytes = await Deno.readFile(file);
  bytes[bytes.length - 2] ^= 0xff;
  await Deno.writeFile(file, bytes);
  assert.equal(await cache.get(key), undefined);
  assert.deepEqual(await cache.getOrCompute(key, () => ({ v: 2 })), { v: 2 });
  assert.deepEqual(await cache.get(key), { v: 2 });
  assert.equal(log.lines.filter((l) => l.includes("corrupted")).length, 1);
  assert.equal(cache.stats().corrupt, 1);
});

Deno.test("size counts entries and bytes; clear empties the cache", async () => {
  const { cache } = await setup();
  for (let i = 0; i < 3; i++) {
    await cache.set(await cache.key({ plugin: "p", version: "1", options: { i } }), { i });
  }
  const { entries, bytes } = await cache.size();
  assert.equal(entries, 3);
  assert.ok(bytes > 3 * 75);
  await cache.clear();
  assert.deepEqual(await cache.size(), { bytes: 0, entries: 0 });
});
