/**
 * Inner validation is the core's (core/inner_validation.ts): split plugins return `{ name, train, test }`
 * and the run draws the validation cells. Known answers: the fold lists that runs on main (commit 6076a2a,
 * when each split plugin drew its own validation cells) wrote into their manifests, for every built-in
 * split, two seeds each and val_per_temperature 2 — the runs here must write exactly the same folds.
 */
import assert from "node:assert/strict";
import { resolve } from "node:path";
import { composeConfig } from "../../core/config.ts";
import { ConfigError } from "../../core/errors.ts";
import { drawValidation, withInnerValidation } from "../../core/inner_validation.ts";
import { createRecordingLogger } from "../../core/log.ts";
import type { CellInfo, Fold } from "../../core/plugin.ts";
import { createRng } from "../../core/rng.ts";
import { runExperiment } from "../../core/run.ts";
import { makeConfigDir } from "../fixtures/config_dir.ts";

const KNOWN = resolve(import.meta.dirname!, "../fixtures/folds_on_main_6076a2a.json");
const CONFIGS = resolve(import.meta.dirname!, "../../configs");

/** The overrides main's runs used: split options then named val_per_temperature under the split. */
function overridesNow(overrides: string[]): string[] {
  return overrides.map((o) => o.replace("split.val_per_temperature=", "evaluation.val_per_temperature="));
}

Deno.test("every built-in split writes the same folds (train, val, test) as on main, for two seeds", async () => {
  const known = JSON.parse(await Deno.readTextFile(KNOWN)) as Record<
    string,
    { overrides: string[]; folds: { name: string; train: string[]; val: string[]; test: string[] }[] }
  >;
  assert.equal(Object.keys(known).length, 9);
  const out = await Deno.makeTempDir({ prefix: "inner_validation_" });
  try {
    for (const [name, { overrides, folds }] of Object.entries(known)) {
      const composed = await composeConfig({
        configDir: CONFIGS,
        overrides: ["model=dummy", "tracking=[]", `output.dir=${out}`, ...overridesNow(overrides)],
      });
      const summary = await runExperiment({ composed, log: createRecordingLogger() });
      const written = JSON.parse(await Deno.readTextFile(`${summary.runDir}/manifest.json`)).folds;
      assert.deepEqual(
        written.map((f: Fold & { val: string[] }) => ({
          name: f.name,
          train: f.train,
          val: f.val,
          test: f.test,
        })),
        folds,
        name,
      );
    }
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

const cell = (cellKey: string, chamberC: number): CellInfo => ({
  cellKey,
  experiment: "t",
  cell: cellKey.slice(2),
  chamberC,
  metadata: {},
});
const CELLS = [
  cell("t/A", 10),
  cell("t/B", 10),
  cell("t/C", 25),
  cell("t/D", 40),
  cell("t/E", 40),
  cell("t/F", 40),
];

Deno.test("drawValidation: k cells per temperature, a temperature's only cell stays in train, k = 0 none", () => {
  const training = CELLS.filter((c) => c.chamberC !== 25).concat(cell("t/G", 25));
  const one = drawValidation(training, createRng(3), 1);
  assert.equal(one.val.length, 2, "10 and 40 °C give one each; 25 °C has a single cell");
  assert.ok(one.train.includes("t/G"));
  assert.deepEqual([...one.train, ...one.val].sort(), training.map((c) => c.cellKey).sort());
  const two = drawValidation(training, createRng(3), 2);
  assert.deepEqual(two.val.filter((k) => ["t/A", "t/B"].includes(k)).length, 1, "at most n − 1 of 2");
  assert.equal(two.val.filter((k) => ["t/D", "t/E", "t/F"].includes(k)).length, 2);
  assert.deepEqual(drawValidation(training, createRng(3), 0).val, []);
});

Deno.test("a split returning a val list or testing a training cell is refused, naming the fold", () => {
  const rng = () => createRng(1);
  const withVal = [{ name: "f", train: ["t/A"], val: ["t/B"], test: ["t/C"] }] as unknown as Fold[];
  assert.throws(
    () => withInnerValidation(withVal, CELLS, rng, 1),
    (e) =>
      e instanceof ConfigError && /fold 'f' has a 'val' list/.test(e.message) &&
      /evaluation\.val_per_temperature/.test(e.message),
  );
  const leak: Fold[] = [{ name: "g", train: ["t/A", "t/C"], test: ["t/C"] }];
  assert.throws(
    () => withInnerValidation(leak, CELLS, rng, 1),
    (e) => e instanceof ConfigError && /fold 'g' tests on training cells: t\/C/.test(e.message),
  );
  const unknown: Fold[] = [{ name: "h", train: ["t/A"], test: ["t/Z"] }];
  assert.throws(() => withInnerValidation(unknown, CELLS, rng, 1), /fold 'h' names unknown cell 't\/Z'/);
});

Deno.test("a run whose split plugin returns a val list fails with the ConfigError on 'split'", async () => {
  const configDir = await makeConfigDir({
    "split/old_style.yaml": `use: ${
      resolve(import.meta.dirname!, "../fixtures/plugins/old_style_split.ts")
    }\n`,
  });
  const composed = await composeConfig({ configDir, overrides: ["split=old_style", "tracking=[]"] });
  await assert.rejects(
    runExperiment({ composed, log: createRecordingLogger() }),
    (e) => e instanceof ConfigError && /'split'.*fold 'holdout' has a 'val' list/s.test(e.message),
  );
});

Deno.test("evaluation.val_per_temperature changes the validation cells a run trains with", async () => {
  const configDir = await makeConfigDir();
  const run = async (k: number) =>
    (await runExperiment({
      composed: await composeConfig({
        configDir,
        overrides: [`evaluation.val_per_temperature=${k}`, "tracking=[]"],
      }),
      log: createRecordingLogger(),
    })).folds[0];
  const [zero, one] = [await run(0), await run(1)];
  assert.deepEqual(zero.val, []);
  assert.deepEqual(zero.train, ["t/A", "t/B", "t/E", "t/F"]);
  assert.equal(one.val.length, 2);
  assert.deepEqual([...one.train, ...one.val].sort(), ["t/A", "t/B", "t/E", "t/F"]);
});
