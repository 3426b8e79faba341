/**
 * The shipped tasks as a user runs them in an interactive terminal: stdin and stdout on a pseudo-terminal
 * (util-linux `script`), the task's own permissions, no XDG_RUNTIME_DIR in the environment. A neural run
 * probes WebGPU (backend auto), which loads the Vulkan loader: nothing may prompt for a permission, and no
 * loader noise may reach the terminal.
 */
import assert from "node:assert/strict";
import { resolve } from "node:path";

const ROOT = resolve(import.meta.dirname!, "..");

/** Runs `deno task -q <args>` under a pseudo-terminal; a prompt would wait for an answer until `timeoutMs`. */
async function inTerminal(args: string, timeoutMs: number) {
  const env = { ...Deno.env.toObject() };
  delete env.XDG_RUNTIME_DIR;
  const child = new Deno.Command("script", {
    args: ["-qec", `${Deno.execPath()} task -q ${args}`, "/dev/null"],
    cwd: ROOT,
    env,
    clearEnv: true,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(timeoutMs),
  }).spawn();
  // stdin stays open (a terminal that could answer): a prompt would wait here until the timeout kills it.
  const out = await child.output();
  await child.stdin.close().catch(() => {});
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  return { code: out.code, text };
}

Deno.test("a neural run in a terminal under the task's flags neither prompts nor prints loader errors", async () => {
  const r = await inTerminal(
    "batteryml run model=mlp training.epochs=2 training.backend=auto experiment.name=tty_check --quiet",
    120_000,
  );
  assert.doesNotMatch(r.text, /requests? \w+ access/i, r.text);
  assert.doesNotMatch(r.text, /XDG_RUNTIME_DIR/, r.text);
  assert.equal(r.code, 0, r.text);
  assert.match(
    r.text,
    /rmse/i,
    "the run finished and printed its results (an empty output means it hung, e.g. at a prompt)",
  );
});
