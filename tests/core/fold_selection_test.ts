import assert from "node:assert/strict";
import { ConfigError } from "../../core/errors.ts";
import { selectFolds } from "../../core/fold_selection.ts";
import { openSweep, planSweep } from "../../sweep/plan.ts";
import { runSweepPoint } from "../../sweep/point.ts";
import { createRecordingLogger } from "../../core/log.ts";
import type { Fold } from "../../core/plugin.ts";
import { batteryml, projectOutputDir } from "../robustness/_runs.ts";

const fold = (name: string): Fold => ({ name, train: ["a"], test: [name] });

Deno.test("evaluation.folds keeps the named folds in the split's order; unset keeps all", () => {
  const folds = ["loco/1/A", "loco/1/B", "loco/5/A"].map(fold);
  assert.deepEqual(selectFolds(folds, undefined).map((f) => f.name), ["loco/1/A", "loco/1/B", "loco/5/A"]);
  assert.deepEqual(selectFolds(folds, ["loco/5/A", "loco/1/A"]).map((f) => f.name), ["loco/1/A", "loco/5/A"]);
  assert.throws(
    () => selectFolds(folds, ["loco/9/Z"]),
    (e) =>
      e instanceof ConfigError &&
      /evaluation\.folds.*'loco\/9\/Z'.*makes loco\/1\/A, loco\/1\/B, loco\/5\/A/.test(e.message),
  );
});

Deno.test("run evaluation.folds=[…]: an unknown fold fails naming the key and the folds there are", async () => {
  const out = await projectOutputDir();
  try {
    const r = await batteryml([
      "run",
      "split=loco",
      "model=dummy",
      'evaluation.folds=["loco/9/Z"]',
      `output.dir=${out.rel}`,
    ]);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /error: config key 'evaluation\.folds': no fold named 'loco\/9\/Z'; the split makes loco\/1\/A, /,
    );
  } finally {
    await out.dispose();
  }
});

Deno.test("a sweep's `folds: all` expands to every fold the split makes, one point each", async () => {
  const out = await projectOutputDir();
  try {
    const file = `${out.abs}/all.yaml`;
    await Deno.writeTextFile(
      file,
      `overrides: [data=synthetic, split=loco, model=dummy, output.dir=${out.rel}]\nfolds: all\n`,
    );
    const plan = await planSweep({ file, args: [] });
    // The embedded synthetic data holds 9 cells of Expt 1 and 8 of Expt 5 (as `run split=loco` lists them).
    assert.equal(plan.record.points.length, 17);
    assert.deepEqual(plan.record.points.slice(0, 2).map((p) => p.fold), ["loco/1/A", "loco/1/B"]);
    assert.ok(plan.record.points.every((p, i) => p.index === i && p.seed === null));
    await Deno.writeTextFile(file, "overrides: [split=loco]\nfolds: [loco/1/Q]\n");
    await assert.rejects(
      () => planSweep({ file, args: [`output.dir=${out.rel}`] }),
      /folds': no fold named 'loco\/1\/Q'/,
    );
  } finally {
    await out.dispose();
  }
});

Deno.test("sweep on the command line: experiment.seed=a,b and evaluation.folds=a,b are its seeds and folds", async () => {
  const out = await projectOutputDir();
  try {
    const plan = await planSweep({
      file: null,
      args: [
        "data=synthetic",
        "split=loco",
        "model=dummy,linear",
        "experiment.seed=3,4",
        "evaluation.folds=loco/1/A,loco/5/B",
        `output.dir=${out.rel}`,
      ],
    });
    assert.deepEqual(
      plan.record.points.map((p) => `${p.config} ${p.seed} ${p.fold}`),
      [
        "c0 3 loco/1/A",
        "c0 3 loco/5/B",
        "c0 4 loco/1/A",
        "c0 4 loco/5/B",
        "c1 3 loco/1/A",
        "c1 3 loco/5/B",
        "c1 4 loco/1/A",
        "c1 4 loco/5/B",
      ],
    );
    const all = await planSweep({
      file: null,
      args: ["split=loco", "evaluation.folds=all", `output.dir=${out.rel}`],
    });
    assert.equal(all.record.points.length, 17);
  } finally {
    await out.dispose();
  }
});

Deno.test("a point whose config file changed after planning is refused; the changed sweep gets a new id", async () => {
  const out = await projectOutputDir();
  const configDir = `${out.abs}/configs`;
  try {
    await Deno.mkdir(`${configDir}`, { recursive: true });
    for (const group of ["data", "split", "pipeline", "model", "tracking"]) {
      await Deno.mkdir(`${configDir}/${group}`);
      for await (const e of Deno.readDir(`configs/${group}`)) {
        await Deno.copyFile(`configs/${group}/${e.name}`, `${configDir}/${group}/${e.name}`);
      }
    }
    await Deno.copyFile("configs/config.yaml", `${configDir}/config.yaml`);
    const args = ["data=synthetic", "model=linear", `output.dir=${out.rel}`];
    const plan = await planSweep({ file: null, args, configDir });
    await openSweep(plan);
    await Deno.writeTextFile(`${configDir}/model/linear.yaml`, "use: linear\nalpha: 5\n");
    await assert.rejects(
      () => runSweepPoint({ dir: plan.dir, index: 0, log: createRecordingLogger() }),
      /point 0: its config changed since sweep .* was planned/,
    );
    const replanned = await planSweep({ file: null, args, configDir });
    assert.notEqual(replanned.record.sweepId, plan.record.sweepId);
  } finally {
    await out.dispose();
  }
});
