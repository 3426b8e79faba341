/**
 * `deno task compile` (issue 13, item 4): the single-binary CLI needs Deno's `denort` runtime, which Deno
 * downloads from its own host or takes from DENORT_BIN. With a denort (DENORT_BIN set to an existing file)
 * the task builds artifacts/bin/batteryml and the binary's --help and a built-in run work. Without one —
 * as on the machines that reach only the npm registry, which serves no denort — the task fails with the
 * message saying what it needs: never a silent skip.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { ROOT, scratchDir } from "../fixtures/task_cli.ts";

async function exec(cmd: string, args: string[], env: Record<string, string> = {}, clear: string[] = []) {
  const base = Deno.env.toObject();
  for (const name of clear) delete base[name];
  const out = await new Deno.Command(cmd, {
    args,
    cwd: ROOT,
    clearEnv: true,
    env: { ...base, ...env, NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: text(out.stdout), stderr: text(out.stderr) };
}

/** A denort binary named by DENORT_BIN, when this machine has one. */
async function availableDenort(): Promise<string | undefined> {
  const path = Deno.env.get("DENORT_BIN");
  if (!path) return undefined;
  return await Deno.stat(path).then((s) => s.isFile ? path : undefined, () => undefined);
}

Deno.test("deno task compile: a binary that runs with a denort, a clear failure without one", async () => {
  const denort = await availableDenort();
  if (!denort) {
    // No denort here: the download from dl.deno.land fails and the task says what it needs.
    const r = await exec(Deno.execPath(), ["task", "compile"], {}, ["DENORT_BIN"]);
    assert.notEqual(r.code, 0, r.stdout);
    assert.match(r.stderr, /denort/);
    assert.match(
      r.stderr,
      /error: deno compile did not finish\. It needs the denort runtime of this Deno \(2\.9\.6\).*DENORT_BIN/,
    );
    return;
  }
  const scratch = await scratchDir("compiled");
  try {
    const built = await exec(Deno.execPath(), ["task", "compile"], { DENORT_BIN: denort });
    assert.equal(built.code, 0, built.stderr);
    const binary = join(ROOT, "artifacts", "bin", "batteryml");
    const help = await exec(binary, ["--help"]);
    assert.equal(help.code, 0, help.stderr);
    assert.match(help.stdout, /\brun\b/);
    const run = await exec(binary, ["run", `output.dir=${scratch.rel}`, "--json", "--quiet"]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(JSON.parse(run.stdout).status, "FINISHED");
  } finally {
    await scratch.dispose();
  }
});
