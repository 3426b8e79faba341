/**
 * The malicious plugin suite: URL plugins served on 127.0.0.1 that try to leave their grant — read a file,
 * read the environment, write into the project, open a socket, load native code, spawn a process, loop
 * forever, allocate without bound — at run time (`plugins add`, then `run`) and at module top level
 * (during `plugins add`). Each is denied or stopped with an error naming the plugin and the permission;
 * the run ends FAILED with its manifest; the plugin lock and every file outside the grant keep their bytes.
 * All through the CLI under the batteryml task's own permissions, as a user runs it.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { startPluginServer } from "../fixtures/plugin_server.ts";
import { runCli, scratchDir } from "../fixtures/task_cli.ts";
import { newRun, readManifest, ROOT, runIds, snapshot } from "../robustness/_runs.ts";
import { type AttackPaths as Paths, ATTACKS as COMMON_ATTACKS, modelSource } from "./_plugin_sources.ts";

/** The common attacks, and reading a system file (a URL plugin has no folder of its own to read). */
const ATTACKS = [
  ...COMMON_ATTACKS,
  { name: "read_passwd", permission: "read", code: () => `await Deno.readTextFile("/etc/passwd");` },
];

/** A server, a scratch folder with a secret, a lock of its own, and the files nothing may change. */
async function setup() {
  const server = startPluginServer();
  const scratch = await scratchDir("sandbox");
  const lock = join(scratch.rel, "plugins.lock.json");
  await Deno.writeTextFile(join(scratch.abs, "secret.txt"), "the user's secret\n");
  const paths: Paths = {
    secret: join(scratch.abs, "secret.txt"),
    projectFile: join(ROOT, "core", `pwned_${crypto.randomUUID().slice(0, 6)}.ts`),
    marker: join(scratch.abs, "spawned"),
    port: Number(new URL(server.base).port),
  };
  const env = { BATTERYML_PLUGIN_LOCK: lock };
  const before = { core: await snapshot(join(ROOT, "core")), scratch: await snapshot(scratch.abs) };
  const untouched = async () => {
    assert.deepEqual(await snapshot(join(ROOT, "core")), before.core, "a file under core/ changed");
    const now = await snapshot(scratch.abs);
    for (const [file, hash] of Object.entries(before.scratch)) {
      assert.equal(now[file], hash, `${file} changed`);
    }
    await assert.rejects(Deno.stat(paths.projectFile), Deno.errors.NotFound);
    await assert.rejects(Deno.stat(paths.marker), Deno.errors.NotFound);
  };
  return {
    server,
    scratch,
    paths,
    env,
    lock: join(scratch.abs, "plugins.lock.json"),
    untouched,
    async dispose() {
      await server.close();
      await scratch.dispose();
    },
  };
}

Deno.test("run time: each attack is denied with the plugin and the permission named; the run ends FAILED", async (t) => {
  const s = await setup();
  try {
    for (const attack of ATTACKS) {
      await t.step(attack.name, async () => {
        const path = `/evil/${attack.name}@1.0.0.ts`;
        s.server.serve(path, modelSource({ name: attack.name, fit: attack.code(s.paths) }));
        const url = s.server.base + path;
        // The module itself is harmless at import: `plugins add` accepts it (nothing declared, nothing asked).
        const add = await runCli(["plugins", "add", url], s.env);
        assert.equal(add.code, 0, add.stderr);
        assert.match(add.stdout, /declared permissions: none/);
        const out = join(s.scratch.rel, attack.name);
        const run = await runCli(["run", `model=${url}`, `output.dir=${out}`, "--quiet"], s.env);
        assert.equal(run.code, 1, run.stdout);
        assert.match(
          run.stderr,
          new RegExp(`'${attack.name}' was denied ${attack.permission} access in its sandbox`),
        );
        const runId = newRun([], await runIds(join(ROOT, out)));
        const manifest = await readManifest(join(ROOT, out), runId);
        assert.equal(manifest.status, "FAILED");
        await s.untouched();
      });
    }
  } finally {
    await s.dispose();
  }
});

Deno.test("top level: each attack during 'plugins add' is denied there, and the lock keeps its bytes", async (t) => {
  const s = await setup();
  try {
    await Deno.writeTextFile(s.lock, '{\n  "version": 1,\n  "plugins": {}\n}\n');
    const lockBefore = await Deno.readTextFile(s.lock);
    for (const attack of ATTACKS) {
      await t.step(attack.name, async () => {
        const path = `/evil-top/${attack.name}@1.0.0.ts`;
        // Top-level await: the module's own import does the deed, before any definition is looked at.
        s.server.serve(path, modelSource({ name: attack.name, topLevel: attack.code(s.paths) }));
        const add = await runCli(["plugins", "add", s.server.base + path, "--yes"], s.env);
        assert.equal(add.code, 1, add.stdout);
        assert.match(add.stderr, new RegExp(`was denied ${attack.permission} access in its sandbox`));
        assert.equal(await Deno.readTextFile(s.lock), lockBefore);
        await s.untouched();
      });
    }
  } finally {
    await s.dispose();
  }
});

Deno.test("a plugin that loops forever or allocates without bound is stopped with a clear error", async (t) => {
  const s = await setup();
  try {
    await t.step("loop at run time: stopped after plugins.timeout_s, the run FAILED", async () => {
      s.server.serve("/evil/loop.ts", modelSource({ name: "loop", fit: "while (true) {}" }));
      const url = `${s.server.base}/evil/loop.ts`;
      assert.equal((await runCli(["plugins", "add", url], s.env)).code, 0);
      const out = join(s.scratch.rel, "loop");
      const run = await runCli(
        ["run", `model=${url}`, `output.dir=${out}`, "plugins.timeout_s=3", "--quiet"],
        s.env,
      );
      assert.equal(run.code, 1);
      assert.match(run.stderr, /'loop' fit\(\) did not (settle|finish) within 3 s/);
      const manifest = await readManifest(join(ROOT, out), newRun([], await runIds(join(ROOT, out))));
      assert.equal(manifest.status, "FAILED");
    });
    await t.step("loop at top level: 'plugins add --timeout 2' stops it", async () => {
      s.server.serve("/evil-top/loop.ts", modelSource({ name: "loop_top", topLevel: "while (true) {}" }));
      const add = await runCli(
        ["plugins", "add", `${s.server.base}/evil-top/loop.ts`, "--timeout", "2"],
        s.env,
      );
      assert.equal(add.code, 1);
      assert.match(add.stderr, /loading the module did not settle within 2 s .*its sandbox was stopped/);
    });
    await t.step("unbounded allocation: stopped at the heap cap, the run FAILED", async () => {
      const grow = "const keep: number[][] = []; while (true) keep.push(new Array(1e6).fill(Math.random()));";
      s.server.serve("/evil/alloc.ts", modelSource({ name: "alloc", fit: grow }));
      const url = `${s.server.base}/evil/alloc.ts`;
      assert.equal((await runCli(["plugins", "add", url], s.env)).code, 0);
      const out = join(s.scratch.rel, "alloc");
      const env = { ...s.env, BATTERYML_SANDBOX_HEAP_MB: "64" };
      const run = await runCli(["run", `model=${url}`, `output.dir=${out}`, "--quiet"], env);
      assert.equal(run.code, 1);
      assert.match(run.stderr, /'alloc' ran out of its sandbox heap cap of 64 MB/);
      const manifest = await readManifest(join(ROOT, out), newRun([], await runIds(join(ROOT, out))));
      assert.equal(manifest.status, "FAILED");
    });
    await s.untouched();
  } finally {
    await s.dispose();
  }
});
