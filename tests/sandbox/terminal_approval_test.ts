/**
 * `plugins add` in a terminal (util-linux `script`, the task's own permissions): the declared permissions
 * are shown and asked about; "n" leaves the lock alone, "y" records them.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { startPluginServer } from "../fixtures/plugin_server.ts";
import { ROOT, scratchDir } from "../fixtures/task_cli.ts";
import { modelSource } from "./_plugin_sources.ts";

/** `deno task -q batteryml <args>` under a pseudo-terminal, typing `answer` and a newline. */
async function inTerminal(args: string, answer: string, env: Record<string, string>) {
  const all = { ...Deno.env.toObject(), ...env };
  delete all.XDG_RUNTIME_DIR;
  const child = new Deno.Command("script", {
    args: ["-qec", `${Deno.execPath()} task -q batteryml ${args}`, "/dev/null"],
    cwd: ROOT,
    env: all,
    clearEnv: true,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(60_000),
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(`${answer}\n`));
  const out = await child.output();
  await writer.close().catch(() => {});
  return {
    code: out.code,
    text: new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr),
  };
}

Deno.test("plugins add in a terminal asks before granting declared permissions", async () => {
  const server = startPluginServer();
  const scratch = await scratchDir("sandbox-tty");
  const env = { BATTERYML_PLUGIN_LOCK: join(scratch.rel, "plugins.lock.json") };
  try {
    server.serve("/t/env_model.ts", modelSource({ name: "env_model", permissions: { env: ["HOME"] } }));
    const url = `${server.base}/t/env_model.ts`;
    const no = await inTerminal(`plugins add ${url}`, "n", env);
    assert.match(no.text, /grant env_model env: HOME\? \[y\/N\]/, no.text);
    assert.equal(no.code, 1, no.text);
    await assert.rejects(Deno.stat(join(ROOT, env.BATTERYML_PLUGIN_LOCK)), Deno.errors.NotFound);
    const yes = await inTerminal(`plugins add ${url}`, "y", env);
    assert.equal(yes.code, 0, yes.text);
    assert.match(yes.text, /added model plugin 'env_model'/);
    const lock = JSON.parse(await Deno.readTextFile(join(ROOT, env.BATTERYML_PLUGIN_LOCK)));
    assert.deepEqual(lock.plugins[url].permissions.env, ["HOME"]);
  } finally {
    await server.close();
    await scratch.dispose();
  }
});
