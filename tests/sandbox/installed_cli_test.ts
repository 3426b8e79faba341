/**
 * The CLI installed Deno's way (`deno task install-cli`, i.e. `deno install --global` with the task's
 * permissions), into a scratch DENO_INSTALL_ROOT: its help, a built-in run, and a URL plugin loaded from the
 * plugin store through the sandbox with the plugin's host stopped (offline), like the task does. Installing leaves the project's frozen deno.lock byte-identical (the install
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

Deno.test("deno task install-cli into DENO_INSTALL_ROOT: --help, a run, and a URL plugin from the store offline", async () => {
  const scratch = await scratchDir("install");
  const server = startPluginServer();
  let serverUp = true;
  const lockBefore = await sha256Hex(await Deno.readFile(join(ROOT, "deno.lock")));
  try {
    // The task itself, as a user runs it, with Deno's own variable choosing where it installs.
    const installed = await exec(Deno.execPath(), ["task", "install-cli"], {
      DENO_INSTALL_ROOT: scratch.abs,
    });
    assert.equal(installed.code, 0, installed.stderr);
    assert.equal(await sha256Hex(await Deno.readFile(join(ROOT, "deno.lock"))), lockBefore);
    const shim = join(scratch.abs, "bin", "batteryml");

    const help = await exec(shim, ["--help"]);
    assert.equal(help.code, 0, help.stderr);
    for (const command of ["run", "plugins", "predict", "data"]) {
      assert.match(help.stdout, new RegExp(`\\b${command}\\b`));
    }

    const builtin = await exec(shim, ["run", `output.dir=${scratch.rel}/builtin`, "--json", "--quiet"]);
    assert.equal(builtin.code, 0, builtin.stderr);
    assert.equal(JSON.parse(builtin.stdout).status, "FINISHED");

    server.serve("/i/installed_model.ts", modelSource({ name: "installed_model" }));
    const url = `${server.base}/i/installed_model.ts`;
    const env = { BATTERYML_PLUGIN_LOCK: join(scratch.rel, "plugins.lock.json") };
    const add = await exec(shim, ["plugins", "add", url], env);
    assert.equal(add.code, 0, add.stderr);
    // Offline: the plugin's host is gone; the run imports the verified copy from the store.
    await server.close();
    serverUp = false;
    const run = await exec(shim, ["run", `model=${url}`, `output.dir=${scratch.rel}/out`, "--quiet"], env);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /\(FINISHED\)/);
  } finally {
    if (serverUp) await server.close();
    await scratch.dispose();
  }
});
