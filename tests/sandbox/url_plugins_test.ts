/**
 * URL plugins as a user installs and runs them, through the CLI under the batteryml task's permissions:
 * a multi-module plugin (relative imports, a module on another host, an npm: package of the project's
 * lock) is stored and pinned module by module, runs offline with both servers stopped, and is refused
 * once a store file is edited; declared permissions are shown, must be approved (`--yes` without a
 * terminal), are granted exactly, and `plugins update` shows their diff and asks again; `remove` forgets.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { startPluginServer } from "../fixtures/plugin_server.ts";
import { runCli, scratchDir } from "../fixtures/task_cli.ts";
import { newRun, readManifest, ROOT, runIds } from "../robustness/_runs.ts";
import { modelSource } from "./_plugin_sources.ts";

/** The y_pred column of a run's predictions.csv. */
async function predictions(outDir: string): Promise<number[]> {
  const runId = newRun([], await runIds(join(ROOT, outDir)));
  const manifest = await readManifest(join(ROOT, outDir), runId);
  assert.equal(manifest.status, "FINISHED");
  const [header, ...rows] = (await Deno.readTextFile(join(ROOT, outDir, "runs", runId, "predictions.csv")))
    .trim().split("\n");
  const col = header.split(",").indexOf("y_pred");
  return rows.map((r) => Number(r.split(",")[col]));
}

Deno.test("a multi-module URL plugin is pinned module by module, runs offline, and an edited store file is refused", async () => {
  const main = startPluginServer();
  const other = startPluginServer();
  const scratch = await scratchDir("sandbox-graph");
  const env = { BATTERYML_PLUGIN_LOCK: join(scratch.rel, "plugins.lock.json") };
  try {
    other.serve("/shared/factor.ts", "export const FACTOR = 1.5;\n");
    main.serve("/p/lib/half.ts", "export const HALF = 0.5;\n");
    main.serve(
      "/p/helper.ts",
      `import { HALF } from "./lib/half.ts";\nimport { FACTOR } from "${other.base}/shared/factor.ts";\n` +
        "export const product = () => HALF * FACTOR;\n",
    );
    main.serve(
      "/p/graph_model@1.0.0.ts",
      modelSource({
        name: "graph_model",
        imports: `import { product } from "./helper.ts";\nimport { z } from "npm:zod@4.6.7";\n`,
        // 0.5 · 1.5, checked by zod: only right when every module of the graph ran.
        fit: "c = z.number().parse(product());",
      }),
    );
    const url = `${main.base}/p/graph_model@1.0.0.ts`;
    const add = await runCli(["plugins", "add", url], env);
    assert.equal(add.code, 0, add.stderr);
    assert.match(add.stdout, /model plugin 'graph_model' 1\.0\.0: 4 module\(s\)/);
    const lock = JSON.parse(await Deno.readTextFile(join(ROOT, env.BATTERYML_PLUGIN_LOCK)));
    assert.deepEqual(
      Object.keys(lock.plugins[url].modules).sort(),
      [
        `${main.base}/p/graph_model@1.0.0.ts`,
        `${main.base}/p/helper.ts`,
        `${main.base}/p/lib/half.ts`,
        `${other.base}/shared/factor.ts`,
      ].sort(),
    );

    await main.close();
    await other.close();
    const out = join(scratch.rel, "offline");
    const run = await runCli(["run", `model=${url}`, `output.dir=${out}`, "--quiet"], env);
    assert.equal(run.code, 0, run.stderr);
    const ys = await predictions(out);
    assert.ok(ys.length > 0 && ys.every((y) => y === 0.75), `predictions ${ys.slice(0, 5)}`);

    const helperSha = lock.plugins[url].modules[`${main.base}/p/helper.ts`];
    const stored = join(ROOT, "artifacts", "plugins", `${helperSha}.ts`);
    const original = await Deno.readTextFile(stored);
    await Deno.writeTextFile(stored, original.replace("HALF * FACTOR", "HALF * FACTOR * 2"));
    try {
      const tampered = await runCli(["run", `model=${url}`, `output.dir=${join(scratch.rel, "t")}`], env);
      assert.equal(tampered.code, 1);
      assert.match(
        tampered.stderr,
        /module .*helper\.ts is pinned to sha256 .* but store file .* now holds sha256/,
      );
    } finally {
      await Deno.writeTextFile(stored, original);
    }
  } finally {
    await main.close().catch(() => {});
    await other.close().catch(() => {});
    await scratch.dispose();
  }
});

Deno.test("declared permissions: shown, approved with --yes only, granted exactly; update diffs and asks again; remove forgets", async () => {
  const server = startPluginServer();
  const scratch = await scratchDir("sandbox-grant");
  const env = { BATTERYML_PLUGIN_LOCK: join(scratch.rel, "plugins.lock.json") };
  const lockFile = join(ROOT, env.BATTERYML_PLUGIN_LOCK);
  try {
    const granted = join(scratch.abs, "level.txt");
    await Deno.writeTextFile(granted, "0.625\n");
    const source = (extra: string[]) =>
      modelSource({
        name: "reads_level",
        permissions: { read: [granted], env: extra },
        fit: `c = Number(await Deno.readTextFile(${JSON.stringify(granted)}));`,
      });
    server.serve("/g/reads_level.ts", source([]));
    const url = `${server.base}/g/reads_level.ts`;

    const refused = await runCli(["plugins", "add", url], env);
    assert.equal(refused.code, 1);
    assert.match(refused.stdout, new RegExp(`declared permissions: read: ${granted}`));
    assert.match(refused.stderr, /not approved \(no terminal to ask on; pass --yes to approve\)/);
    await assert.rejects(Deno.stat(lockFile), Deno.errors.NotFound);

    const add = await runCli(["plugins", "add", url, "--yes"], env);
    assert.equal(add.code, 0, add.stderr);
    const out = join(scratch.rel, "granted");
    const run = await runCli(["run", `model=${url}`, `output.dir=${out}`, "--quiet"], env);
    assert.equal(run.code, 0, run.stderr);
    const ys = await predictions(out);
    assert.ok(ys.length > 0 && ys.every((y) => y === 0.625), `predictions ${ys.slice(0, 5)}`);

    server.serve("/g/reads_level.ts", source(["HOME"]));
    const lockBefore = await Deno.readTextFile(lockFile);
    const ask = await runCli(["plugins", "update", url], env);
    assert.equal(ask.code, 1);
    assert.match(ask.stdout, /permissions:\n {2}\+ env: HOME\n/);
    assert.equal(await Deno.readTextFile(lockFile), lockBefore);
    // Not updated: the changed module is not what the lock pins (the store still holds the approved one).
    const stale = await runCli(
      ["run", `model=${url}`, `output.dir=${join(scratch.rel, "stale")}`, "--quiet"],
      env,
    );
    assert.equal(stale.code, 0, stale.stderr);

    const update = await runCli(["plugins", "update", url, "--yes"], env);
    assert.equal(update.code, 0, update.stderr);
    const entry = JSON.parse(await Deno.readTextFile(lockFile)).plugins[url];
    assert.deepEqual(entry.permissions, { read: [granted], write: [], net: [], env: ["HOME"] });

    const list = await runCli(["plugins", "list"], env);
    assert.match(
      list.stdout,
      new RegExp(`reads_level@1\\.0\\.0 .* permissions: read: ${granted}; env: HOME`),
    );
    const remove = await runCli(["plugins", "remove", url], env);
    assert.equal(remove.code, 0, remove.stderr);
    const gone = await runCli(["run", `model=${url}`, `output.dir=${join(scratch.rel, "gone")}`], env);
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /not in the plugin lock; trust it first with 'batteryml plugins add/);
  } finally {
    await server.close();
    await scratch.dispose();
  }
});

Deno.test("run --print-permissions for a URL plugin includes starting its sandbox, and those flags are enough", async () => {
  const server = startPluginServer();
  const scratch = await scratchDir("sandbox-flags");
  const env = { BATTERYML_PLUGIN_LOCK: join(scratch.rel, "plugins.lock.json") };
  try {
    server.serve("/f/flags_model.ts", modelSource({ name: "flags_model" }));
    const url = `${server.base}/f/flags_model.ts`;
    assert.equal((await runCli(["plugins", "add", url], env)).code, 0);
    const out = join(scratch.rel, "out");
    const printed = await runCli(["run", "--print-permissions", `model=${url}`, `output.dir=${out}`], env);
    assert.equal(printed.code, 0, printed.stderr);
    const flags = printed.stdout.trim().split(/\s+/);
    assert.ok(flags.includes("--allow-run=deno"), printed.stdout);
    const run = (flagList: string[]) =>
      new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "--no-prompt",
          ...flagList,
          "cli/main.ts",
          "run",
          `model=${url}`,
          `output.dir=${out}`,
          "--quiet",
        ],
        cwd: ROOT,
        env,
        stdout: "piped",
        stderr: "piped",
      }).output();
    const withFlags = await run(flags);
    assert.equal(withFlags.code, 0, new TextDecoder().decode(withFlags.stderr));
    const without = await run(flags.filter((f) => f !== "--allow-run=deno"));
    assert.equal(without.code, 1);
    assert.match(
      new TextDecoder().decode(without.stderr),
      /cannot start its sandbox: Requires run access to "deno"; plugins that are not built in need the CLI to run with --allow-run=deno/,
    );
  } finally {
    await server.close();
    await scratch.dispose();
  }
});

Deno.test("plugins add refuses imports the store cannot pin, naming them, before running anything", async () => {
  const server = startPluginServer();
  const scratch = await scratchDir("sandbox-imports");
  const env = { BATTERYML_PLUGIN_LOCK: join(scratch.rel, "plugins.lock.json") };
  try {
    const cases: [string, string, RegExp][] = [
      [
        "npm_unpinned",
        `import pad from "npm:left-pad@1.3.0";`,
        /imports npm:left-pad@1\.3\.0, which the project's frozen deno\.lock does not hold; .*npm:zod@4\.6\.7/,
      ],
      [
        "bare",
        `import { z } from "zod";`,
        /imports 'zod': a URL plugin may import relative paths, http\(s\) URLs/,
      ],
      ["missing_helper", `import { h } from "./nowhere.ts";`, /nowhere\.ts.*HTTP 404/],
    ];
    for (const [name, imports, expected] of cases) {
      server.serve(`/i/${name}.ts`, modelSource({ name, imports }));
      const add = await runCli(["plugins", "add", `${server.base}/i/${name}.ts`], env);
      assert.equal(add.code, 1, add.stdout);
      assert.match(add.stderr, expected);
    }
    await assert.rejects(Deno.stat(join(ROOT, env.BATTERYML_PLUGIN_LOCK)), Deno.errors.NotFound);
  } finally {
    await server.close();
    await scratch.dispose();
  }
});
