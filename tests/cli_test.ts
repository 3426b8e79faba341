/**
 * The `batteryml` command end to end, as a user runs it: a subprocess per command, checking stdout,
 * stderr (one line on error) and the exit code.
 */
import assert from "node:assert/strict";
import { join, resolve } from "node:path";
import { sha256Hex } from "../lib/hash/mod.ts";
import { startPluginServer, URL_MODEL_SOURCE } from "./fixtures/plugin_server.ts";

const ROOT = resolve(import.meta.dirname!, "..");

async function cli(args: string[], env: Record<string, string> = {}) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-read",
      "--allow-env",
      "--allow-ffi",
      "--allow-sys",
      "--allow-write",
      "--allow-net=127.0.0.1",
      // URL plugins run in a `deno` sandbox process.
      "--allow-run=deno",
      "cli/main.ts",
      ...args,
    ],
    cwd: ROOT,
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  return {
    code: out.code,
    stdout: new TextDecoder().decode(out.stdout),
    stderr: new TextDecoder().decode(out.stderr),
  };
}

Deno.test("config show prints the composed YAML and its hash; a bad value prints one line naming the key", async () => {
  const ok = await cli(["config", "show", "model=dummy", "training.epochs=5"]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /model:\n\s+use: dummy/);
  assert.match(ok.stdout, /epochs: 5/);
  assert.match(ok.stdout, /# hash: [0-9a-f]{64}\n$/);
  const bad = await cli(["config", "show", "training.epochs=many"]);
  assert.equal(bad.code, 1);
  assert.equal(bad.stderr.trim().split("\n").length, 1);
  assert.match(bad.stderr, /^error: config key 'training\.epochs'.*found "many"/);
  const badPlugin = await cli(["config", "show", "model=linear", "model.alpha=-1"]);
  assert.equal(badPlugin.code, 1);
  assert.match(badPlugin.stderr, /^error: config key 'model\.alpha'.*found -1/);
});

Deno.test("plugins list shows the built-ins of every kind", async () => {
  const r = await cli(["plugins", "list"]);
  assert.equal(r.code, 0, r.stderr);
  for (const name of ["m50t", "temperature_holdout", "summary_set", "dummy", "linear", "local"]) {
    assert.match(r.stdout, new RegExp(`\\b${name}\\b`));
  }
});

Deno.test("plugins add pins a loopback URL plugin; plugins test runs its contract; a tampered store file is refused", async () => {
  const server = startPluginServer();
  const dir = await Deno.makeTempDir();
  const env = { BATTERYML_PLUGIN_LOCK: join(dir, "plugins.lock.json") };
  const lockBefore = await sha256Hex(await Deno.readFile(join(ROOT, "deno.lock")));
  try {
    const url = `${server.base}/m/url_constant@1.0.0.ts`;
    server.serve("/m/url_constant@1.0.0.ts", URL_MODEL_SOURCE);
    const added = await cli(["plugins", "add", url], env);
    assert.equal(added.code, 0, added.stderr);
    const lock = JSON.parse(await Deno.readTextFile(env.BATTERYML_PLUGIN_LOCK));
    assert.equal(lock.plugins[url].sha256, await sha256Hex(URL_MODEL_SOURCE));
    assert.equal(lock.plugins[url].kind, "model");
    const tested = await cli(["plugins", "test", url], env);
    assert.equal(tested.code, 0, tested.stdout + tested.stderr);
    // One check per model method: accepts, fit, predict, refit, save, load, explain and importance (optional).
    assert.match(tested.stdout, /8 passed, 0 failed/);
    // Runs import the pinned bytes from the store, re-hashed on every load: an edited store file is refused.
    const stored = join(ROOT, "artifacts", "plugins", `${lock.plugins[url].sha256}.ts`);
    await Deno.writeTextFile(stored, URL_MODEL_SOURCE + "\n// changed\n");
    try {
      const refused = await cli(["plugins", "test", url], env);
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /is pinned to sha256 .* but store file .* now holds sha256/);
    } finally {
      await Deno.writeTextFile(stored, URL_MODEL_SOURCE);
    }
    // Loading URL plugins never touches the project's frozen deno.lock.
    assert.equal(await sha256Hex(await Deno.readFile(join(ROOT, "deno.lock"))), lockBefore);
  } finally {
    await server.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a plugin given as a path passes its contract through the CLI", async () => {
  const r = await cli(["plugins", "test", "./tests/fixtures/plugins/tiny_split.ts"]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /2 passed, 0 failed/);
});

Deno.test("data synth twice with one seed is byte-identical, and data check counts 8 cells, 128 rows, 128 curves", async () => {
  const dir = await Deno.makeTempDir();
  try {
    for (const out of ["a", "b"]) {
      const r = await cli([
        "data",
        "synth",
        "--out",
        join(dir, out),
        "--experiments",
        "5",
        "--seed",
        "42",
        "--curves",
      ]);
      assert.equal(r.code, 0, r.stderr);
    }
    const hashes = async (root: string) => {
      const out: Record<string, string> = {};
      const walk = async (d: string) => {
        for await (const e of Deno.readDir(d)) {
          const p = join(d, e.name);
          if (e.isDirectory) await walk(p);
          else out[p.slice(root.length)] = await sha256Hex(await Deno.readFile(p));
        }
      };
      await walk(root);
      return out;
    };
    assert.deepEqual(await hashes(join(dir, "a")), await hashes(join(dir, "b")));
    const check = await cli(["data", "check", join(dir, "a")]);
    assert.equal(check.code, 0, check.stderr);
    assert.match(check.stdout, /8 cells, 128 RPT rows, 128 0\.1C curves/);
    const missing = await cli(["data", "check", join(dir, "nothing-here")]);
    assert.notEqual(missing.code, 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("run --json on real Expt 1 with LOCO prints per-fold and aggregate metrics; predict scores with the saved run", async () => {
  const out = await Deno.makeTempDir();
  try {
    const r = await cli([
      "run",
      "--json",
      "data=m50t_real",
      "data.experiment=1",
      "model=linear",
      "split=loco",
      "tracking=null",
      `output.dir=${out}`,
    ]);
    assert.equal(r.code, 0, r.stderr);
    const summary = JSON.parse(r.stdout);
    assert.equal(summary.folds.length, 9);
    assert.equal(Object.keys(summary.report.soh.perFold).length, 9);
    assert.equal(summary.report.soh.acrossFolds.rmse.folds, 9);
    assert.equal(summary.report.soh.overall.n, 118);
    // The model of the fold that tested cell 1/A, loaded back, must reproduce that fold's predictions.
    const fold = summary.folds.find((f: { test: string[] }) => f.test.includes("1/A")).name;
    const p = await cli([
      "predict",
      "--run",
      summary.runId,
      "--fold",
      fold,
      "--cells",
      "1/A",
      "--output-dir",
      out,
    ]);
    assert.equal(p.code, 0, p.stderr);
    const predicted = p.stdout.trim().split("\n").slice(1).map((l) => l.split(","));
    const saved = (await Deno.readTextFile(join(summary.runDir, "predictions.csv"))).trim().split("\n").slice(
      1,
    )
      .map((l) => l.split(",")).filter((c) => c[1] === "1/A");
    assert.equal(predicted.length, 15);
    assert.deepEqual(predicted.map((c) => [c[3], c[7]]), saved.map((c) => [c[3], c[7]]));
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("--version and the bash completion script (tests/cli_completion_test.ts runs it)", async () => {
  const v = await cli(["--version"]);
  assert.match(v.stdout, /\d+\.\d+\.\d+/);
  const c = await cli(["completion", "bash"]);
  assert.match(c.stdout, /complete -o default -F _batteryml_complete batteryml/);
  assert.match(c.stdout, /complete -o default -F _batteryml_deno_complete deno/);
});

Deno.test("cache info counts entries and cache clear removes them", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const { DiskCache } = await import("../lib/cache/mod.ts");
    const cache = new DiskCache(dir);
    await cache.set(await cache.key({ plugin: "p", version: "1", options: { a: 1 } }), { v: 1 });
    const info = await cli(["cache", "info", "--dir", dir]);
    assert.match(info.stdout, /: 1 entries/);
    const cleared = await cli(["cache", "clear", "--dir", dir]);
    assert.match(cleared.stdout, /removed 1 entries/);
    assert.match((await cli(["cache", "info", "--dir", dir])).stdout, /: 0 entries/);
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});
