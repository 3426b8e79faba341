/**
 * The `run` command's stage lines: words, not JSON. The renderer against hand-written lines, and a run
 * through `deno task batteryml` whose stderr has one line per stage with the counts of the run itself;
 * `--json` and `--quiet` print none.
 */
import assert from "node:assert/strict";
import { describeStep } from "../cli/steps.ts";
import { batteryml, projectOutputDir } from "./robustness/_runs.ts";

Deno.test("describeStep renders each stage's details in words", () => {
  const fold = "train_10_40C_test_25C";
  const cases: [Parameters<typeof describeStep>[0], string][] = [
    [{ step: "load", detail: { cells: 17, dataset: "m50t" } }, "load:     17 cells, dataset m50t"],
    [
      {
        step: "split",
        detail: { folds: 1, first: { name: fold, train: ["a", "b"], val: ["c"], test: ["d"] } },
      },
      `split:    1 fold; ${fold}: train 2 cells, validation 1 cell, test 1 cell (d)`,
    ],
    [
      {
        step: "split",
        detail: { folds: 3, first: { name: "f1", train: ["a"], test: ["1", "2", "3", "4", "5"] } },
      },
      "split:    3 folds; first f1: train 1 cell, test 5 cells (1, 2, 3, 4, …)",
    ],
    [
      { step: "pipeline", fold, detail: { fittedOn: ["a", "b", "c"], stage: "inner" } },
      `[${fold}] pipeline: fitted on 3 training cells (inner fit)`,
    ],
    [
      { step: "samples", fold, detail: { train: 139, val: 31, features: ["x", "y"], targets: ["soh"] } },
      `[${fold}] samples:  139 train samples, 31 validation samples, 2 features, target soh`,
    ],
    [
      { step: "train", fold, detail: { bestIteration: undefined, trainSamples: 10, valSamples: 1 } },
      `[${fold}] train:    10 train samples, 1 validation sample`,
    ],
    [
      { step: "refit", fold, detail: { cells: 12, samples: 170, iterations: 1, optimizerSteps: 40 } },
      `[${fold}] refit:    12 cells, 170 samples, 1 iteration, 40 optimizer steps`,
    ],
    [
      { step: "report", detail: { targets: ["soh", "lli"], lr: 0.0012345 } },
      "report:   targets soh lli, lr 0.001234",
    ],
  ];
  for (const [step, line] of cases) assert.equal(describeStep(step), line);
});

Deno.test("run prints one readable line per stage on stderr with the run's own counts; --json and --quiet print none", async () => {
  const dir = await projectOutputDir();
  try {
    const r = await batteryml(["run", "model=dummy", "tracking=null", `output.dir=${dir.rel}`]);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /[{}]/);
    const STAGE = /^(?:\[[^\]]+\] )?(load|split|pipeline|samples|train|refit|predict|report): /;
    const stages = r.stderr.split("\n").filter((l) => STAGE.test(l));
    assert.deepEqual(stages.map((l) => STAGE.exec(l)![1]), [
      "load",
      "split",
      "pipeline",
      "samples",
      "train",
      "refit",
      "predict",
      "report",
    ]);
    const json = await batteryml(["run", "--json", "model=dummy", "tracking=null", `output.dir=${dir.rel}`]);
    assert.equal(json.code, 0, json.stderr);
    const summary = JSON.parse(json.stdout);
    // The default data: synthetic Expt 1 (9 cells) and Expt 5 (8 cells); the first fold's test cells.
    assert.match(stages[0], /^load: +17 cells, dataset m50t$/);
    const test = summary.folds[0].test.length;
    assert.match(
      stages[6],
      new RegExp(
        `^\\[${summary.folds[0].name}\\] predict: +${test} cells, ${summary.report.soh.overall.n} samples$`,
      ),
    );
    assert.equal(json.stderr, "");
    const quiet = await batteryml([
      "run",
      "--quiet",
      "model=dummy",
      "tracking=null",
      `output.dir=${dir.rel}`,
    ]);
    assert.equal(quiet.code, 0, quiet.stderr);
    assert.equal(quiet.stderr, "");
  } finally {
    await dir.dispose();
  }
});
