/**
 * `plugins test` on a dataset: after its contract, which built-in pipelines can read it — the first missing
 * column named (what a plugin author needs to know), under the batteryml task's permissions.
 */
import assert from "node:assert/strict";
import { runCli } from "./fixtures/task_cli.ts";

Deno.test("plugins test on a dataset says which built-in pipelines can read it, naming the first missing column", async () => {
  // tiny_dataset's table has cellKey, rpt, soh and chamber_temperature_K only, and no curves.
  const r = await runCli(["plugins", "test", "./tests/fixtures/plugins/tiny_dataset.ts"]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /pipeline summary_set: cannot read it: column 'days': .*column is missing/);
  assert.match(r.stdout, /pipeline latent_ode_seq: cannot read it: column 'days'/);
  assert.match(r.stdout, /pipeline ica_peaks: cannot read it: no samples/);
  const full = await runCli(["plugins", "test", "m50t"]);
  assert.equal(full.code, 0, full.stderr);
  assert.match(full.stdout, /pipeline summary_set: reads it \(\d+ samples\)/);
});
