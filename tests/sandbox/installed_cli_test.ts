/**
 * The CLI installed Deno's way (`deno task install-cli`, i.e. `deno install --global` with the task's
 * permissions), into a scratch root: it runs, and it loads a URL plugin through the plugin store and the
 * sandbox like the task does. Installing leaves the project's frozen deno.lock byte-identical (the install
 * keeps its own copy of config and lock next to the shim).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { sha256Hex } from "../../lib/hash/mod.ts";
import { startPluginServer } from "../fixtures/plugin_server.ts";
import { ROOT, scratchDir } from "../fixtures/task_cli.ts";
import { modelSource } from "./_plugin_sources.ts";

async function exec(cmd: string, args: string[], env: Record<string, string> = {}) {
  const out = await new Deno.Command(cmd, { args, cwd: ROOT, env, stdout: "piped", stderr: "piped" })
    .output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: text(out.stdout), stderr: text(out.stderr) };
}

Deno.test("deno task install-cli installs a batteryml that runs URL plugins sandboxed", async () => {
  const scratch = await scratchDir("install");
  const server = startPluginServer();
  const lockBefore = await sha256Hex(await Deno.readFile(join(ROOT, "deno.lock")));
  try {
    const task = JSON.parse(await Deno.readTextFile(join(ROOT, "deno.json"))).tasks["install-cli"] as string;
    const [deno, install, ...rest] = task.split(/\s+/);
    assert.deepEqual([deno, install], ["deno", "install"]);
    const installed = await exec(Deno.execPath(), [install, "--root", scratch.abs, ...rest]);
    assert.equal(installed.code, 0, installed.stderr);
    assert.equal(await sha256Hex(await Deno.readFile(join(ROOT, "deno.lock"))), lockBefore);
    const shim = join(scratch.abs, "bin", "batteryml");

    const version = await exec(shim, ["--version"]);
    assert.equal(version.code, 0, version.stderr);
    assert.match(version.stdout, /\d+\.\d+\.\d+/);

    server.serve("/i/installed_model.ts", modelSource({ name: "installed_model" }));
    const url = `${server.base}/i/installed_model.ts`;
    const env = { BATTERYML_PLUGIN_LOCK: join(scratch.rel, "plugins.lock.json") };
    const add = await exec(shim, ["plugins", "add", url], env);
    assert.equal(add.code, 0, add.stderr);
    const run = await exec(shim, ["run", `model=${url}`, `output.dir=${scratch.rel}/out`, "--quiet"], env);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /\(FINISHED\)/);
  } finally {
    await server.close();
    await scratch.dispose();
  }
});
