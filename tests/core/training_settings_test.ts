/**
 * Typed `training` settings with one source of defaults (issue 11, item 3): the schema in
 * lib/training_settings.ts. configs/config.yaml restates none of them, the composed config and every fit
 * context carry the schema's values, and a wrongly typed `training.*` value is a ConfigError naming its key.
 */
import assert from "node:assert/strict";
import { resolve } from "node:path";
import YAML from "yaml";
import { composeConfig } from "../../core/config.ts";
import { ConfigError } from "../../core/errors.ts";
import { createRecordingLogger } from "../../core/log.ts";
import { runExperiment } from "../../core/run.ts";
import { runInProcess } from "../../core/loader.ts";
import {
  resolveTrainingSettings,
  trainingSettingsSchema,
  trainingSettingsShape,
} from "../../lib/training_settings.ts";
import { makeConfigDir } from "../fixtures/config_dir.ts";
import { recordedFits } from "../fixtures/plugins/recording_model.ts";

const REPO = resolve(import.meta.dirname!, "../..");
const RECORDING_MODEL = resolve(import.meta.dirname!, "../fixtures/plugins/recording_model.ts");
// The fixture records into this process's memory: it runs in-process, not in a sandbox.
runInProcess(RECORDING_MODEL);
const SCHEMA_DEFAULTS = trainingSettingsSchema.parse({});

Deno.test("configs/config.yaml restates no training default: the composed config shows the schema's", async () => {
  const root = YAML.parse(await Deno.readTextFile(resolve(REPO, "configs/config.yaml")));
  assert.equal("training" in root, false, "configs/config.yaml has a 'training' section");
  const { config, yaml } = await composeConfig({ configDir: resolve(REPO, "configs") });
  assert.deepEqual(config.training, SCHEMA_DEFAULTS);
  // What `config show` prints is the same object: every key, each at the schema's default.
  assert.deepEqual(YAML.parse(yaml).training, SCHEMA_DEFAULTS);
  // Every key with a default is shown; the optional loss_scale_* keys and blas stay out until set (config
  // hashes from before mixed precision and before training.blas are unchanged).
  const withDefaults = Object.keys(trainingSettingsShape).filter((k) =>
    !k.startsWith("loss_scale_") && k !== "blas"
  );
  assert.deepEqual(Object.keys(config.training), withDefaults);
});

Deno.test("a fit's context holds the composed training settings, typed and complete, and observe apart", async () => {
  // The fixture config sets training.epochs: 10; the override sets batch_size; all else is the schema's.
  const configDir = await makeConfigDir({ "model/recording.yaml": `use: ${RECORDING_MODEL}\n` });
  recordedFits.length = 0;
  const summary = await runExperiment({
    composed: await composeConfig({ configDir, overrides: ["model=recording", "training.batch_size=7"] }),
    log: createRecordingLogger(),
  });
  assert.equal(summary.status, "FINISHED");
  assert.ok(recordedFits.length >= 2, `${recordedFits.length} fits recorded (inner fit and refit expected)`);
  for (const fit of recordedFits) {
    assert.deepEqual(fit.training, { ...SCHEMA_DEFAULTS, epochs: 10, batch_size: 7 }, String(fit.label));
    assert.equal(fit.observe, null, String(fit.label));
  }
});

Deno.test("a forecast's fit context carries evaluation.observe as ctx.observe, not inside training", async () => {
  const configDir = await makeConfigDir({ "model/recording.yaml": `use: ${RECORDING_MODEL}\n` });
  recordedFits.length = 0;
  await runExperiment({
    composed: await composeConfig({
      configDir,
      overrides: ["model=recording", "evaluation.observe={rpts: 2}"],
    }),
    log: createRecordingLogger(),
  });
  assert.ok(recordedFits.length >= 2, `${recordedFits.length} fits recorded`);
  for (const fit of recordedFits) {
    assert.deepEqual(fit.observe, { rpts: 2 }, String(fit.label));
    assert.equal("observe" in fit.training, false, String(fit.label));
  }
});

const WRONG = "not_a_setting";
const FIXTURE_DEFAULTS = [
  "defaults:",
  "  data: tiny",
  "  split: tiny",
  "  pipeline: tiny",
  "  model: dummy",
  "experiment:",
  "  name: test",
];

for (const key of Object.keys(trainingSettingsShape)) {
  Deno.test(`training.${key}=${WRONG} is a ConfigError naming training.${key}`, async () => {
    for (const source of ["override", "config.yaml"] as const) {
      const configDir = await makeConfigDir(
        source === "config.yaml"
          ? { "config.yaml": [...FIXTURE_DEFAULTS, "training:", `  ${key}: ${WRONG}`].join("\n") }
          : {},
      );
      const overrides = source === "override" ? [`training.${key}=${WRONG}`] : [];
      const err = await composeConfig({ configDir, overrides }).then(() => undefined, (e) => e);
      assert.ok(err instanceof ConfigError, `${source}: expected a ConfigError, got ${err}`);
      assert.equal(err.keyPath, `training.${key}`, source);
      assert.match(err.message, new RegExp(WRONG), source);
    }
  });
}

Deno.test("resolveTrainingSettings fills the schema's defaults and refuses an unknown key by name", () => {
  assert.deepEqual(resolveTrainingSettings({ epochs: 3 }), { ...SCHEMA_DEFAULTS, epochs: 3 });
  assert.throws(
    () => resolveTrainingSettings({ observe: { rpts: 2 } } as Record<string, unknown>),
    /training\.observe/,
  );
  assert.throws(() => resolveTrainingSettings({ epochs: 0 }), /training\.epochs/);
});
