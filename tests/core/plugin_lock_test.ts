/** Trusting a URL plugin (`trustUrlPlugin`, behind `batteryml plugins add`): what it pins, and what it refuses. */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { PluginError } from "../../core/errors.ts";
import { readPluginLock, trustUrlPlugin } from "../../core/plugin_lock.ts";
import { startPluginServer, URL_MODEL_SOURCE } from "../fixtures/plugin_server.ts";

/** An entry already in the lock, which a failed trust must leave as it was. */
const EARLIER = {
  version: 1,
  plugins: {
    "http://127.0.0.1:1/earlier.ts": {
      sha256: "0".repeat(64),
      kind: "split",
      name: "earlier",
      version: "0.1.0",
      addedAt: "2026-01-01T00:00:00.000Z",
    },
  },
};

async function withServer(
  fn: (base: string, serve: (p: string, s: string) => void, lockPath: string) => Promise<void>,
) {
  const server = startPluginServer();
  const dir = await Deno.makeTempDir();
  try {
    const lockPath = join(dir, "plugins.lock.json");
    await Deno.writeTextFile(lockPath, JSON.stringify(EARLIER));
    await fn(server.base, server.serve, lockPath);
  } finally {
    await server.close();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("trustUrlPlugin pins the sha256 of the served bytes with the definition's kind, name and version", async () => {
  await withServer(async (base, serve, lockPath) => {
    const url = `${base}/m/url_constant@1.0.0.ts`;
    serve("/m/url_constant@1.0.0.ts", URL_MODEL_SOURCE);
    const entry = await trustUrlPlugin(url, lockPath);
    const expected = createHash("sha256").update(URL_MODEL_SOURCE).digest("hex");
    assert.equal(entry.sha256, expected);
    assert.deepEqual([entry.kind, entry.name, entry.version], ["model", "url_constant", "1.0.0"]);
    const lock = await readPluginLock(lockPath);
    assert.deepEqual(lock.plugins[url], entry);
    assert.deepEqual(
      lock.plugins["http://127.0.0.1:1/earlier.ts"],
      EARLIER.plugins["http://127.0.0.1:1/earlier.ts"],
    );
  });
});

Deno.test("trustUrlPlugin refuses an invalid module and a non-http URL, leaving the lock byte-identical", async () => {
  await withServer(async (base, serve, lockPath) => {
    const before = await Deno.readTextFile(lockPath);
    serve("/m/bad.ts", "export const notADefinition = 1;\n");
    await assert.rejects(
      trustUrlPlugin(`${base}/m/bad.ts`, lockPath),
      (e) => e instanceof PluginError && /bad\.ts.*no default export/.test(e.message),
    );
    await assert.rejects(
      trustUrlPlugin(`${base}/m/missing.ts`, lockPath),
      (e) => e instanceof PluginError && /missing\.ts.*HTTP 404/.test(e.message),
    );
    await assert.rejects(
      trustUrlPlugin("ftp://example.org/p.ts", lockPath),
      /'ftp:\/\/example\.org\/p\.ts' is not an http\(s\) URL/,
    );
    assert.equal(await Deno.readTextFile(lockPath), before);
  });
});
