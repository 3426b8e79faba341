/**
 * `batteryml predict` as a user runs it (the task's own permissions): a run's data edited afterwards is one
 * error line naming the file, and `--allow-changed-data` predicts with a warning naming it.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { copyExpt1, expt1Summary } from "./fixtures/real_copy.ts";
import { batteryml, projectOutputDir } from "./robustness/_runs.ts";

Deno.test("predict --run refuses edited inputs; --allow-changed-data warns and predicts", async () => {
  const out = await projectOutputDir();
  try {
    const root = await copyExpt1(out.abs);
    const runOut = join(out.rel, "out");
    const run = await batteryml([
      "run",
      "--json",
      "data=m50t_real",
      `data.root=${root}`,
      "model=linear",
      "tracking=null",
      `output.dir=${runOut}`,
    ]);
    assert.equal(run.code, 0, run.stderr);
    const runId = JSON.parse(run.stdout).runId as string;
    const predict = (...extra: string[]) =>
      batteryml(["predict", "--run", runId, "--output-dir", runOut, "--cells", "1/D", ...extra]);
    const before = await predict();
    assert.equal(before.code, 0, before.stderr);
    const rows = before.stdout.trim().split("\n").length - 1;
    assert.equal(rows, 14, "one prediction per RPT of cell 1/D");
    // An edit that keeps the file plausible: RPT1's C/10 capacity 100 mAh lower.
    const file = expt1Summary(root, "D", 25);
    const lines = (await Deno.readTextFile(file)).split("\n");
    const col = lines[0].split(",").indexOf("C/10 Capacity [mA h]");
    const cells = lines[2].split(",");
    cells[col] = String(Number(cells[col]) - 100);
    lines[2] = cells.join(",");
    await Deno.writeTextFile(file, lines.join("\n"));
    const refused = await predict();
    assert.equal(refused.code, 1, refused.stdout);
    // One error line (the loader's own warning about the edited SoH column may precede it).
    const errors = refused.stderr.split("\n").filter((l) => l.startsWith("error:"));
    assert.equal(errors.length, 1, refused.stderr);
    assert.match(errors[0], /changed since run .*--allow-changed-data/);
    assert.ok(refused.stderr.includes(file), refused.stderr);
    const allowed = await predict("--allow-changed-data");
    assert.equal(allowed.code, 0, allowed.stderr);
    assert.ok(allowed.stderr.includes(file) && /warning/i.test(allowed.stderr), allowed.stderr);
    assert.equal(allowed.stdout.trim().split("\n").length - 1, 14);
    assert.notEqual(allowed.stdout, before.stdout, "the edited RPT's measured value is the new one");
  } finally {
    await out.dispose();
  }
});
