import assert from "node:assert/strict";
import { join, resolve } from "node:path";
import { PluginError } from "../../core/errors.ts";
import { sha256Hex } from "../../lib/hash/mod.ts";
import { builtinNames, loadPlugin, validateOptions } from "../../core/loader.ts";
import type { PluginLock } from "../../core/plugin_lock.ts";
import { runContract } from "../../testing/mod.ts";
import { startPluginServer, URL_MODEL_SOURCE } from "../fixtures/plugin_server.ts";

const FIXTURES = resolve(import.meta.dirname!, "../fixtures/plugins");

async function pluginError(p: Promise<unknown>, pattern: RegExp): Promise<PluginError> {
  const err = await p.then(() => undefined, (e) => e);
  assert.ok(err instanceof PluginError, `expected PluginError, got ${err}`);
  assert.match(err.message, pattern);
  return err;
}

Deno.test("a built-in loads by name through the same validation as any plugin", async () => {
  const p = await loadPlugin("dummy", "model");
  assert.equal(p.source, "builtin");
  assert.equal(p.definition.name, "dummy");
  assert.ok(builtinNames().model.includes("dummy"));
});

Deno.test("unknown names list what exists", async () => {
  await pluginError(loadPlugin("nosuch", "model"), /no built-in model.*model: .*dummy/);
});

Deno.test("a plugin loads by relative path, absolute path and file: URL", async () => {
  const rel = await loadPlugin("./tests/fixtures/plugins/tiny_split.ts", "split");
  assert.equal(rel.definition.name, "tiny_split");
  const abs = await loadPlugin(join(FIXTURES, "tiny_split.ts"), "split");
  assert.equal(abs.source, "path");
  const url = await loadPlugin(new URL("../fixtures/plugins/tiny_split.ts", import.meta.url).href, "split");
  assert.equal(url.definition.name, "tiny_split");
});

Deno.test("wrong kind, bad export, another API major and a missing file are refused with the reason", async () => {
  await pluginError(
    loadPlugin(join(FIXTURES, "tiny_split.ts"), "model"),
    /is a split plugin.*model plugin is expected/,
  );
  await pluginError(
    loadPlugin(join(FIXTURES, "bad_export.ts")),
    /'options' is not a Standard Schema.*'create' is missing/,
  );
  await pluginError(
    loadPlugin(join(FIXTURES, "wrong_api.ts")),
    /'apiVersion' is 2, this BatteryML supports 1/,
  );
  await pluginError(loadPlugin(join(FIXTURES, "nope.ts")), /cannot import/);
});

Deno.test("options are validated by the plugin's schema with the key path named", async () => {
  const p = await loadPlugin("local", "tracker");
  const err = await validateOptions(p.definition, { flush_every: 0 }, "tracking.0").then(
    () => undefined,
    (e) => e,
  );
  assert.match(String(err?.message), /tracking\.0\.flush_every.*found 0/);
  assert.deepEqual(await validateOptions(p.definition, {}, "tracking.0"), { flush_every: 20 });
});

Deno.test("URL plugins: pinned by sha256, verified on load, tampering and unreachable hosts refused", async () => {
  const server = startPluginServer();
  const cacheDir = await Deno.makeTempDir();
  try {
    const url = `${server.base}/plugins/url_constant@1.0.0.ts`;
    server.serve("/plugins/url_constant@1.0.0.ts", URL_MODEL_SOURCE);
    const lock: PluginLock = { version: 1, plugins: {} };
    await pluginError(
      loadPlugin(url, "model", { lock, urlCacheDir: cacheDir }),
      /not in the plugin lock.*plugins add/,
    );

    lock.plugins[url] = {
      sha256: await sha256Hex(URL_MODEL_SOURCE),
      kind: "model",
      name: "url_constant",
      version: "1.0.0",
      addedAt: "",
    };
    const loaded = await loadPlugin(url, "model", { lock, urlCacheDir: cacheDir });
    assert.equal(loaded.definition.name, "url_constant");
    assert.equal(loaded.integrity, lock.plugins[url].sha256);
    const results = await runContract(loaded);
    assert.ok(results.every((r) => r.ok), JSON.stringify(results));

    // Runs import from the store only: a changed server does not matter, an edited store file is refused.
    server.serve("/plugins/url_constant@1.0.0.ts", URL_MODEL_SOURCE.replace("1.0.0", "6.6.6"));
    assert.equal(
      (await loadPlugin(url, "model", { lock, urlCacheDir: cacheDir })).definition.version,
      "1.0.0",
    );
    const stored = join(cacheDir, `${lock.plugins[url].sha256}.ts`);
    await Deno.writeTextFile(stored, URL_MODEL_SOURCE.replace("1.0.0", "6.6.6"));
    await pluginError(
      loadPlugin(url, "model", { lock, urlCacheDir: cacheDir }),
      /is pinned to sha256 .* but store file .* now holds sha256/,
    );
    await Deno.writeTextFile(stored, URL_MODEL_SOURCE);

    const bad = `${server.base}/plugins/bad.ts`;
    server.serve("/plugins/bad.ts", "export default { kind: 'model' };");
    lock.plugins[bad] = {
      ...lock.plugins[url],
      sha256: await sha256Hex("export default { kind: 'model' };"),
    };
    await pluginError(loadPlugin(bad, "model", { lock, urlCacheDir: cacheDir }), /invalid definition/);

    const missing = `${server.base}/plugins/missing.ts`;
    // Pinned to bytes the store does not hold: fetched, and the server has nothing there.
    lock.plugins[missing] = { ...lock.plugins[url], sha256: "f".repeat(64) };
    await pluginError(loadPlugin(missing, "model", { lock, urlCacheDir: cacheDir }), /HTTP 404/);
  } finally {
    await server.close();
    await Deno.remove(cacheDir, { recursive: true });
  }
  // The server is closed now: the same host is unreachable.
  const gone = `${server.base}/plugins/x.ts`;
  const lock: PluginLock = {
    version: 1,
    plugins: { [gone]: { sha256: "0", kind: "model", name: "x", version: "1", addedAt: "" } },
  };
  await pluginError(loadPlugin(gone, "model", { lock, timeoutMs: 2000 }), /unreachable/);
});

Deno.test("the dummy model passes the model contract suite", async () => {
  const results = await runContract(await loadPlugin("dummy", "model"));
  assert.ok(results.length >= 3);
  for (const r of results) assert.ok(r.ok, `${r.name}: ${r.message}`);
});
