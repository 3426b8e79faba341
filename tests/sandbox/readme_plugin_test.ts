/**
 * The README's "Write and publish a plugin" example, as written: its two code blocks are served on
 * 127.0.0.1 and added, run and compared through the CLI under the batteryml task's permissions. The
 * sandboxed run must predict exactly what the same module predicts in-process (loaded by path).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { startPluginServer } from "../fixtures/plugin_server.ts";
import { ROOT, runCli, scratchDir } from "../fixtures/task_cli.ts";
import { newRun, runIds } from "../robustness/_runs.ts";

/** The README's ```ts blocks whose first line is `// publish/<file>`, by file name. */
async function readmeFiles(): Promise<Record<string, string>> {
  const readme = await Deno.readTextFile(join(ROOT, "README.md"));
  const files: Record<string, string> = {};
  for (const m of readme.matchAll(/```ts\n\/\/ publish\/(\S+)\n([\s\S]*?)```/g)) files[m[1]] = m[2];
  return files;
}

async function predictionsCsv(outDir: string): Promise<string> {
  const runId = newRun([], await runIds(join(ROOT, outDir)));
  return await Deno.readTextFile(join(ROOT, outDir, "runs", runId, "predictions.csv"));
}

Deno.test("the README's published plugin (a model with a helper module) runs sandboxed as it runs in-process", async () => {
  const files = await readmeFiles();
  assert.deepEqual(Object.keys(files).sort(), ["fit_line.ts", "line_model@1.0.0.ts"]);
  const server = startPluginServer();
  const scratch = await scratchDir("sandbox-readme");
  const env = { BATTERYML_PLUGIN_LOCK: join(scratch.rel, "plugins.lock.json") };
  try {
    for (const [name, source] of Object.entries(files)) {
      server.serve(`/${name}`, source);
      await Deno.writeTextFile(join(scratch.abs, name), source);
    }
    const url = `${server.base}/line_model@1.0.0.ts`;
    const add = await runCli(["plugins", "add", url], env);
    assert.equal(add.code, 0, add.stderr);
    assert.match(add.stdout, /model plugin 'line' 1\.0\.0: 2 module\(s\), declared permissions: none/);
    const boxed = await runCli(["run", `model=${url}`, `output.dir=${scratch.rel}/url`, "--quiet"], env);
    assert.equal(boxed.code, 0, boxed.stderr);
    const local = `./${scratch.rel}/line_model@1.0.0.ts`;
    const inProcess = await runCli(
      ["run", `model=${local}`, `output.dir=${scratch.rel}/path`, "--quiet"],
      env,
    );
    assert.equal(inProcess.code, 0, inProcess.stderr);
    const [a, b] = [await predictionsCsv(`${scratch.rel}/url`), await predictionsCsv(`${scratch.rel}/path`)];
    assert.ok(a.split("\n").length > 10);
    assert.equal(a, b);
    // The line is fitted, not constant: its predictions differ between cells.
    const col = a.split("\n")[0].split(",").indexOf("y_pred");
    assert.ok(new Set(a.trim().split("\n").slice(1).map((r) => r.split(",")[col])).size > 1);
  } finally {
    await server.close();
    await scratch.dispose();
  }
});
