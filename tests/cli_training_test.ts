/**
 * The loss end to end, as a user runs it (`deno task batteryml run …` with the task's flags): `loss=`
 * changes the result, and a loss that needs sequences is refused on a tabular pipeline in one line.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { runCli, scratchDir } from "./fixtures/task_cli.ts";

Deno.test("run model=mlp loss=mse and loss=mae give different RMSE; each manifest records its loss", async () => {
  const out = await scratchDir("loss-e2e");
  try {
    const run = async (loss: string) => {
      const r = await runCli([
        "run",
        "model=mlp",
        "training.epochs=2",
        `loss=${loss}`,
        "--json",
        `output.dir=${out.rel}`,
        "--quiet",
      ]);
      assert.equal(r.code, 0, r.stderr);
      const summary = JSON.parse(r.stdout);
      const manifest = JSON.parse(await Deno.readTextFile(join(summary.runDir, "manifest.json")));
      assert.equal(manifest.config.loss.use, loss);
      return summary.report.soh.overall.rmse as number;
    };
    const mse = await run("mse"), mae = await run("mae");
    assert.ok(Number.isFinite(mse) && Number.isFinite(mae));
    assert.notEqual(mse, mae);
  } finally {
    await out.dispose();
  }
});

Deno.test("run model=mlp loss=physics_informed is refused in one line naming the loss, before any data is read", async () => {
  const out = await scratchDir("physics-tabular");
  try {
    const r = await runCli(["run", "model=mlp", "loss=physics_informed", `output.dir=${out.rel}`]);
    assert.equal(r.code, 1);
    assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
    assert.match(r.stderr, /^error: config key 'loss': loss 'physics_informed' needs sequence samples/);
    assert.deepEqual(await Array.fromAsync(Deno.readDir(out.abs)), []);
  } finally {
    await out.dispose();
  }
});
