/**
 * Milestone C's model selection is a sweep scored on the inner validation cells only.
 *
 * On the tiny fixture dataset (train 10 + 40 °C, test 25 °C; seeds 2, 3, 4 all hold out t/B and t/E for
 * validation) with a model whose validation loss is known in closed form (descent_mean_model: a constant
 * fitted by E gradient steps at the learning rate): the sweep picks the rate a brute-force loop of runs
 * picks and the closed form predicts; shifting the validation cells' SOH moves the pick to the rate the
 * closed form predicts for the shifted data; shifting the test cells' SOH changes the test metrics but not
 * one validation loss, so not the pick. With a real network (mlp, two seeds that draw different validation
 * cells) the sweep again picks what a brute-force loop over the same runs picks.
 */
import assert from "node:assert/strict";
import { join, resolve } from "node:path";
import { composeConfig } from "../../core/config.ts";
import { createRecordingLogger } from "../../core/log.ts";
import { runExperiment } from "../../core/run.ts";
import { makeConfigDir } from "../fixtures/config_dir.ts";
import { TINY_CELLS, tinySoh } from "../fixtures/plugins/tiny_dataset.ts";
import { selectByValidation, type Selection } from "../../scripts/milestone_c/lr_selection.ts";

const FIXTURES = resolve(import.meta.dirname!, "..", "fixtures", "plugins");
const RATES = [0.1, 0.25, 0.5];
const EPOCHS = 2;
const SEEDS = [2, 3, 4];

/** A config folder with the descent model and a learning-rate sweep file over RATES × SEEDS. */
async function setup(): Promise<{ configDir: string; file: string }> {
  const configDir = await makeConfigDir({
    "model/descent.yaml": `use: ${join(FIXTURES, "descent_mean_model.ts")}\n`,
    "sweep/lr.yaml": [
      "name: lr",
      `overrides: [model=descent, training.epochs=${EPOCHS}]`,
      "grid:",
      `  training.learning_rate: [${RATES.join(", ")}]`,
      `seeds: [${SEEDS.join(", ")}]`,
    ].join("\n"),
  });
  return { configDir, file: join(configDir, "sweep", "lr.yaml") };
}

/** The closed-form validation loss of the descent model: train t/A, t/F; validate on t/B, t/E. */
function closedFormLoss(lr: number, offset: Record<string, number>): number {
  const rows = (cells: string[]) =>
    TINY_CELLS.filter(([k]) => cells.includes(k)).flatMap(([k, , rate]) =>
      [0, 1, 2, 3, 4].map((r) => Math.fround(tinySoh(rate, r) + (offset[k] ?? 0)))
    );
  const train = rows(["t/A", "t/F"]), val = rows(["t/B", "t/E"]);
  const c = train.reduce((a, b) => a + b, 0) / train.length * (1 - (1 - 2 * lr) ** EPOCHS);
  return val.reduce((a, y) => a + (y - c) ** 2, 0) / val.length;
}

function closedFormPick(offset: Record<string, number>): number {
  return RATES.reduce((best, lr) => (closedFormLoss(lr, offset) < closedFormLoss(best, offset) ? lr : best));
}

/** Brute force: one run per rate × seed, the mean inner-validation loss per rate, the lowest wins. */
async function bruteForcePick(
  configDir: string,
  base: string[],
  rates: number[],
  seeds: number[],
): Promise<{ pick: number; losses: Map<number, number[]> }> {
  const losses = new Map<number, number[]>();
  for (const lr of rates) {
    for (const seed of seeds) {
      const composed = await composeConfig({
        configDir,
        overrides: [...base, `training.learning_rate=${lr}`, `experiment.seed=${seed}`],
      });
      const s = await runExperiment({ composed, log: createRecordingLogger() });
      losses.set(lr, [...(losses.get(lr) ?? []), s.folds.reduce((a, f) => a + f.validationLoss!, 0)]);
    }
  }
  const mean = (lr: number) => losses.get(lr)!.reduce((a, b) => a + b, 0) / seeds.length;
  return { pick: rates.reduce((best, lr) => (mean(lr) < mean(best) ? lr : best)), losses };
}

const pickOf = (s: Selection) => Number(s.chosen.params["training.learning_rate"]);

/** Every point's validation loss of a selection, by "lr|seed". */
function pointLosses(s: Selection): Map<string, number> {
  const out = new Map<string, number>();
  for (const c of s.comparison.configs) {
    for (const v of c.values) out.set(`${c.label}|${v.seed}`, v.value);
  }
  return out;
}

/** Test RMSE of each final run. */
async function finalRmse(s: Selection): Promise<number[]> {
  return await Promise.all(s.finalRuns.map(async (r) => {
    const m = JSON.parse(await Deno.readTextFile(join(r.runDir, "manifest.json")));
    return m.metrics.soh.overall.rmse as number;
  }));
}

Deno.test("the learning-rate sweep picks on the validation cells: as brute force and the closed form, moved by validation data, never by test data", async () => {
  const { configDir, file } = await setup();
  const select = (offset: Record<string, number>) =>
    selectByValidation({ file, configDir, args: [`+data.soh_offset=${JSON.stringify(offset)}`] });

  const plain = await select({});
  for (const r of plain.finalRuns) {
    const m = JSON.parse(await Deno.readTextFile(join(r.runDir, "manifest.json")));
    assert.deepEqual(m.folds[0].val, ["t/B", "t/E"], `seed ${r.seed} validates on t/B and t/E`);
    assert.deepEqual(m.folds[0].test, ["t/C", "t/D"]);
  }
  assert.equal(plain.ran, RATES.length * SEEDS.length);
  assert.deepEqual(plain.finalRuns.map((r) => r.seed), SEEDS);
  const brute = await bruteForcePick(configDir, ["model=descent", `training.epochs=${EPOCHS}`], RATES, SEEDS);
  assert.equal(pickOf(plain), brute.pick);
  assert.equal(pickOf(plain), closedFormPick({}));
  assert.equal(pickOf(plain), 0.5);
  for (const lr of RATES) {
    for (const [i, seed] of SEEDS.entries()) {
      const v = pointLosses(plain).get(`training.learning_rate=${lr}|${seed}`)!;
      assert.equal(v, brute.losses.get(lr)![i], "the sweep's point is the same run as the loop's");
      assert.ok(Math.abs(v - closedFormLoss(lr, {})) < 1e-6, `${v} vs ${closedFormLoss(lr, {})}`);
    }
  }

  // The validation cells' SOH lowered by 0.24: the constant that lr 0.25 reaches fits them best.
  const valShift = { "t/B": -0.24, "t/E": -0.24 };
  const shifted = await select(valShift);
  assert.equal(closedFormPick(valShift), 0.25);
  assert.equal(pickOf(shifted), 0.25);

  // The test cells' SOH raised by 0.3: the test metrics change, no validation loss does, the pick stays.
  const testShift = { "t/C": 0.3, "t/D": 0.3 };
  const tested = await select(testShift);
  assert.equal(pickOf(tested), pickOf(plain));
  assert.deepEqual([...pointLosses(tested)], [...pointLosses(plain)]);
  const [before, after] = [await finalRmse(plain), await finalRmse(tested)];
  for (let i = 0; i < SEEDS.length; i++) assert.ok(after[i] > before[i] + 0.1, `${after[i]} vs ${before[i]}`);

  // Launched again, the same sweep resumes: nothing runs twice.
  const again = await select({});
  assert.equal(again.sweepId, plain.sweepId);
  assert.equal(again.ran, 0);
  assert.equal(pickOf(again), pickOf(plain));
});

Deno.test("with a real network (mlp) the sweep's pick is the brute-force loop's over the same runs", async () => {
  const configDir = await makeConfigDir({
    "sweep/mlp.yaml": [
      "overrides: [model=mlp, training.epochs=4]",
      "grid:",
      "  training.learning_rate: [0.001, 0.03]",
      "seeds: [1, 2]",
    ].join("\n"),
  });
  const s = await selectByValidation({ file: join(configDir, "sweep", "mlp.yaml"), configDir, args: [] });
  const brute = await bruteForcePick(configDir, ["model=mlp", "training.epochs=4"], [0.001, 0.03], [1, 2]);
  assert.equal(pickOf(s), brute.pick);
  for (const [lr, values] of brute.losses) {
    values.forEach((v, i) =>
      assert.equal(pointLosses(s).get(`training.learning_rate=${lr}|${i + 1}`), v, `lr ${lr} seed ${i + 1}`)
    );
  }
  // The two seeds validate on different cells (1: t/B, t/F; 2: t/B, t/E), and the losses differ by rate.
  const vals = await Promise.all(
    s.finalRuns.map(async (r) =>
      JSON.parse(await Deno.readTextFile(join(r.runDir, "manifest.json"))).folds[0].val
    ),
  );
  assert.notDeepEqual(vals[0], vals[1]);
  assert.notEqual(brute.losses.get(0.001)![0], brute.losses.get(0.03)![0]);
});

Deno.test("a plain override of a grid key pins that axis (the grid does not silently win)", async () => {
  const { configDir, file } = await setup();
  const s = await selectByValidation({ file, configDir, args: ["training.learning_rate=0.1"] });
  assert.deepEqual(s.comparison.configs.map((c) => c.label), ["training.learning_rate=0.1"]);
  assert.equal(s.ran, SEEDS.length);
  assert.equal(pickOf(s), 0.1);
});
