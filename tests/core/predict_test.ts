/**
 * `predict --run` checks the data against the run manifest's `inputs`: a file the run read whose content
 * changed since is a DataError naming it; `allowChangedData` goes on with a warning that names it.
 */
import assert from "node:assert/strict";
import { join, resolve } from "node:path";
import { composeConfig } from "../../core/config.ts";
import { DataError } from "../../core/errors.ts";
import { createRecordingLogger } from "../../core/log.ts";
import { changedInputs, predictWithRun } from "../../core/predict.ts";
import { runExperiment } from "../../core/run.ts";
import { copyExpt1, expt1Summary } from "../fixtures/real_copy.ts";

const CONFIGS = resolve(import.meta.dirname!, "../../configs");

Deno.test("changedInputs: same path with another hash only (new files are new data, not changed data)", () => {
  const recorded = { "a.csv": "1", "b.csv": "2", "gone.csv": "3" };
  assert.deepEqual(changedInputs(recorded, { "a.csv": "1", "b.csv": "9", "new.csv": "4" }), ["b.csv"]);
  assert.deepEqual(changedInputs(recorded, { "./a.csv": "5" }), ["./a.csv"], "paths compare resolved");
});

Deno.test("predict on data changed since the run: DataError listing the file; --allow-changed-data warns and predicts", async () => {
  const dir = await Deno.makeTempDir({ prefix: "predict_changed_" });
  try {
    const root = await copyExpt1(dir);
    const composed = await composeConfig({
      configDir: CONFIGS,
      overrides: [
        "data=m50t_real",
        `data.root=${root}`,
        "model=linear",
        "split=temperature_holdout",
        "tracking=null",
        `output.dir=${join(dir, "out")}`,
      ],
    });
    const run = await runExperiment({ composed, log: createRecordingLogger() });
    const opts = { runId: run.runId, outputDir: join(dir, "out"), configDir: CONFIGS, cells: ["1/D"] };
    const unchanged = createRecordingLogger();
    const before = await predictWithRun({ ...opts, log: unchanged });
    assert.equal(before.length, 14);
    assert.deepEqual(unchanged.lines.filter((l) => l.startsWith("warning")), []);
    // Edit 1/D's file: RPT1's C/10 capacity 100 mAh lower (still plausible).
    const file = expt1Summary(root, "D", 25);
    const text = await Deno.readTextFile(file);
    const lines = text.split("\n");
    const cells = lines[2].split(",");
    const c10 = lines[0].split(",").indexOf("C/10 Capacity [mA h]");
    cells[c10] = String(Number(cells[c10]) - 100);
    lines[2] = cells.join(",");
    await Deno.writeTextFile(file, lines.join("\n"));
    const err = await predictWithRun({ ...opts, log: createRecordingLogger() }).then(() => null, (e) => e);
    assert.ok(err instanceof DataError, String(err));
    assert.match(err.message, /changed since run/);
    assert.ok(err.message.includes(file), err.message);
    assert.match(err.message, /--allow-changed-data/);
    const warned = createRecordingLogger();
    const after = await predictWithRun({ ...opts, allowChangedData: true, log: warned });
    assert.equal(after.length, 14);
    const warning = warned.lines.find((l) => l.includes("--allow-changed-data"));
    assert.ok(warning?.includes(file), warned.lines.join("\n"));
    // The measured target of RPT1 is read from the edited file.
    const rpt1 = after.find((r) => r.rpt === 1)!;
    const rpt0Cap = Number(lines[1].split(",")[c10]);
    assert.ok(Math.abs(rpt1.yTrue - Number(cells[c10]) / rpt0Cap) < 1e-6, `${rpt1.yTrue}`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
