/** Split plugins: whole cells per fold, `{ name, train, test }` only (the core picks validation), seeded. */
import assert from "node:assert/strict";
import type { CellInfo, Fold } from "../../../core/plugin.ts";
import { definitionProblems } from "../../../core/plugin.ts";
import { Rng } from "../../../core/rng.ts";
import temperatureHoldout, {
  temperatureHoldoutOptions,
} from "../../../plugins/splits/temperature_holdout.ts";
import loco, { locoOptions } from "../../../plugins/splits/loco.ts";
import randomByCell, { randomByCellOptions } from "../../../plugins/splits/random_by_cell.ts";
import crossExperiment, { crossExperimentOptions } from "../../../plugins/splits/cross_experiment.ts";
import { EXPERIMENTS } from "../../../lib/m50t/mod.ts";

const ctx = { seed: 0, rng: new Rng(0), log: { info() {}, warn() {}, debug() {} }, cacheDir: "" };

/** Cells of the study table for the given experiments. */
function cellsOf(...labels: string[]): CellInfo[] {
  return EXPERIMENTS.filter((e) => labels.includes(e.label)).flatMap((e) =>
    e.cells.map((c) => ({
      cellKey: `${e.label}/${c.cell}`,
      experiment: e.label,
      cell: c.cell,
      chamberC: c.chamberC,
      metadata: {},
    }))
  );
}

function assertDisjoint(f: Fold): void {
  const all = [...f.train, ...f.test];
  assert.equal(new Set(all).size, all.length, `fold ${f.name} repeats a cell`);
  assert.ok(!("val" in f), `fold ${f.name} has a val list: inner validation is the core's`);
}

Deno.test("every split is a valid plugin definition", () => {
  for (const d of [temperatureHoldout, loco, randomByCell, crossExperiment]) {
    assert.deepEqual(definitionProblems(d), [], d.name);
  }
});

Deno.test("temperature_holdout: train 10 + 40 °C, test 25 °C, validation drawn from the split's stream", async () => {
  const cells = cellsOf("1");
  const split = await temperatureHoldout.create(temperatureHoldoutOptions.parse({}), ctx);
  const [fold] = split.folds(cells, new Rng(7));
  assertDisjoint(fold);
  assert.deepEqual(fold.test, ["1/D", "1/E", "1/F"]);
  assert.deepEqual(fold.train, ["1/A", "1/B", "1/J", "1/K", "1/L", "1/M"]);
  assert.equal(fold.valStream, null);
  assert.equal(temperatureHoldoutOptions.safeParse({ val_per_temperature: 1 }).success, false);
});

Deno.test("loco: one fold per cell, the cell alone in test, all others in train", async () => {
  const cells = cellsOf("5");
  const split = await loco.create(locoOptions.parse({}), ctx);
  const folds = split.folds(cells, new Rng(3));
  assert.equal(folds.length, 8);
  assert.deepEqual(folds.map((f) => f.test[0]).sort(), cells.map((c) => c.cellKey).sort());
  for (const f of folds) {
    assertDisjoint(f);
    assert.equal(f.test.length, 1);
    assert.equal(f.train.length, 7);
    assert.equal(f.valStream, undefined, "each fold's validation comes from the stream of its name");
  }
});

Deno.test("random_by_cell: seeded test fraction of whole cells", async () => {
  const cells = cellsOf("1", "5");
  const split = await randomByCell.create(randomByCellOptions.parse({ test_fraction: 0.25 }), ctx);
  const [a] = split.folds(cells, new Rng(11));
  assertDisjoint(a);
  assert.equal(a.test.length, Math.round(0.25 * 17));
  assert.equal(a.train.length + a.test.length, 17);
  assert.equal(a.valStream, "val");
  assert.deepEqual(split.folds(cells, new Rng(11)), [a]);
  assert.notDeepEqual(split.folds(cells, new Rng(12))[0].test, a.test);
});

Deno.test("cross_experiment: train on Expt 1, test on Expt 5", async () => {
  const cells = cellsOf("1", "5");
  const split = await crossExperiment.create(
    crossExperimentOptions.parse({ train: ["1"], test: ["5"] }),
    ctx,
  );
  const [fold] = split.folds(cells, new Rng(5));
  assertDisjoint(fold);
  assert.ok(fold.test.every((k) => k.startsWith("5/")) && fold.test.length === 8);
  assert.deepEqual(fold.train, cellsOf("1").map((c) => c.cellKey).sort());
  assert.equal(crossExperimentOptions.safeParse({ train: ["1"], test: ["1"] }).success, false);
  assert.throws(() => split.folds(cellsOf("1"), new Rng(5)), /no test cells/);
});
