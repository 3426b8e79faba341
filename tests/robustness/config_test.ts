/**
 * Robustness corpus, area "config": bad configs. Each must be a ConfigError whose key path names the
 * offending key and whose message says what was expected and found; none may touch an earlier run.
 * Most are refused before any run folder exists; those only detectable on the data (an observed prefix
 * that leaves nothing to score) fail the run, recorded as FAILED.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { composeConfig } from "../../core/config.ts";
import { ConfigError } from "../../core/errors.ts";
import { createRecordingLogger } from "../../core/log.ts";
import { runExperiment } from "../../core/run.ts";
import { makeConfigDir } from "../fixtures/config_dir.ts";
import { robustnessCase } from "./_case.ts";
import {
  assertIntact,
  batteryml,
  newRun,
  projectOutputDir,
  readManifest,
  runIds,
  snapshot,
} from "./_runs.ts";

interface BadConfig {
  name: string;
  overrides: string[];
  /** The ConfigError's key path. */
  key: string;
  message: RegExp;
}

const BAD_CONFIGS: BadConfig[] = [
  {
    name: "unknown group or section name",
    overrides: ["modle=mlp"],
    key: "modle",
    message: /Unrecognized key: "modle"/,
  },
  {
    name: "unknown key in a section",
    overrides: ["training.epoch=5"],
    key: "training.epoch",
    message: /Unrecognized key: "epoch"/,
  },
  {
    name: "wrong type",
    overrides: ["training.epochs=many"],
    key: "training.epochs",
    message: /expected number, received string \(found "many"\)/,
  },
  {
    name: "bad enum value",
    overrides: ["training.optimizer=adamx"],
    key: "training.optimizer",
    message: /expected one of "adamw"\|"adam"\|"sgd" \(found "adamx"\)/,
  },
  {
    name: "negative epochs",
    overrides: ["training.epochs=-3"],
    key: "training.epochs",
    message: /expected number to be >=1 \(found -3\)/,
  },
  {
    name: "unknown model name",
    overrides: ["model=nosuch"],
    key: "model",
    message:
      /no config 'nosuch': expected one of broken, dummy in .*model, a built-in model \(acla, cnn_lstm, dummy, lgbm, linear, lstm_attn, mlp, neural_ode\)/,
  },
  {
    name: "plugin option out of range",
    overrides: ["model=linear", "model.alpha=-1"],
    key: "model.alpha",
    message: /found -1\) \(plugin 'linear'\)/,
  },
  {
    name: "unknown plugin option",
    overrides: ["+model.depth=3"],
    key: "model",
    message: /Unrecognized key: "depth" \(found \{"depth":3\}\) \(plugin 'dummy'\)/,
  },
  {
    name: "a loss for a model that takes none",
    overrides: ["loss=mse"],
    key: "loss",
    message: /model 'dummy' takes no loss; remove it with loss=null/,
  },
  {
    name: "malformed override",
    overrides: ["training.epochs"],
    key: "",
    message: /override 'training\.epochs' is not of the form key=value/,
  },
  {
    name: "observe with both rpts and days",
    overrides: ["evaluation.observe={rpts: 2, days: 30}"],
    key: "evaluation.observe",
    message: /give exactly one of 'rpts' or 'days'/,
  },
  {
    name: "plugins.timeout_s zero",
    overrides: ["plugins.timeout_s=0"],
    key: "plugins.timeout_s",
    message: /expected number to be >0 \(found 0\)/,
  },
  {
    name: "plugins.timeout_s not a number",
    overrides: ["plugins.timeout_s=fast"],
    key: "plugins.timeout_s",
    message: /expected number, received string \(found "fast"\)/,
  },
  {
    name: "adding a key that is already set",
    overrides: ["+experiment.seed=3"],
    key: "experiment.seed",
    message: /adds a key that is already set; drop the '\+'/,
  },
  {
    name: "a tracking preset that includes itself",
    overrides: ["tracking=loop"],
    key: "tracking",
    message: /preset 'loop' includes itself/,
  },
  {
    name: "a group file that is not YAML",
    overrides: ["model=broken"],
    key: "model",
    message: /is not valid YAML/,
  },
  {
    name: "a group file without 'use'",
    overrides: ["split=nouse"],
    key: "split.use",
    message: /must set 'use' to a plugin specifier/,
  },
];

/** The fixture config folder with a few broken group files, and one finished run in its output folder. */
async function withEarlierRun() {
  const configDir = await makeConfigDir({
    "tracking/loop.yaml": "preset: [loop]\n",
    "model/broken.yaml": "use: dummy\n  bad: [indent\n",
    "split/nouse.yaml": "with_val: true\n",
  });
  const earlier = await runExperiment({
    composed: await composeConfig({ configDir }),
    log: createRecordingLogger(),
  });
  const outputDir = join(configDir, "artifacts");
  assert.equal(earlier.status, "FINISHED");
  return { configDir, outputDir, ids: await runIds(outputDir), before: await snapshot(outputDir) };
}

for (const bad of BAD_CONFIGS) {
  robustnessCase("config", "error", bad.name, async () => {
    const { configDir, outputDir, ids, before } = await withEarlierRun();
    const err = await (async () =>
      await runExperiment({
        composed: await composeConfig({ configDir, overrides: bad.overrides }),
        log: createRecordingLogger(),
      }))().then(() => undefined, (e) => e);
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${err}`);
    assert.equal(err.keyPath, bad.key);
    assert.match(err.message, bad.message);
    // Refused before a run folder exists: nothing was written.
    assert.deepEqual(await runIds(outputDir), ids);
    await assertIntact(outputDir, before);
  });
}

robustnessCase("config", "error", "output.dir that is a file's child cannot be written", async () => {
  const { configDir, outputDir, ids, before } = await withEarlierRun();
  const file = join(configDir, "plain-file");
  await Deno.writeTextFile(file, "not a folder\n");
  const composed = await composeConfig({ configDir, overrides: [`output.dir=${join(file, "out")}`] });
  const err = await runExperiment({ composed, log: createRecordingLogger() }).then(() => undefined, (e) => e);
  assert.ok(err instanceof ConfigError, String(err));
  assert.equal(err.keyPath, "output.dir");
  assert.match(err.message, /cannot create the run folder in '.*plain-file\/out'/);
  assert.deepEqual(await runIds(outputDir), ids);
  await assertIntact(outputDir, before);
});

robustnessCase("config", "error", "CLI: output.dir outside the task's write permission", async () => {
  const out = await projectOutputDir();
  try {
    const earlier = await batteryml(["run", `output.dir=${out.rel}`, "--quiet"]);
    assert.equal(earlier.code, 0, earlier.stderr);
    const before = await snapshot(out.abs);
    const outside = await Deno.makeTempDir({ prefix: "batteryml-outside-" });
    const r = await batteryml(["run", `output.dir=${outside}`]);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /^error: config key 'output\.dir': cannot create the run folder in '.*batteryml-outside-/m,
    );
    assert.match(r.stderr, /run --print-permissions/);
    assert.deepEqual(await runIds(outside), []);
    await assertIntact(out.abs, before);
    await Deno.remove(outside, { recursive: true });
  } finally {
    await out.dispose();
  }
});

robustnessCase(
  "config",
  "error",
  "CLI: evaluation.observe that leaves no step to score fails the run",
  async () => {
    const out = await projectOutputDir();
    try {
      const seq = ["pipeline=latent_ode_seq", "model=dummy"];
      const earlier = await batteryml([
        "run",
        `output.dir=${out.rel}`,
        ...seq,
        "evaluation.observe={rpts: 4}",
        "--quiet",
      ]);
      assert.equal(earlier.code, 0, earlier.stderr);
      const ids = await runIds(out.abs);
      const before = await snapshot(out.abs);
      // Synthetic cells have far fewer than 100 RPTs: observing 100 leaves nothing to forecast.
      const r = await batteryml(["run", `output.dir=${out.rel}`, ...seq, "evaluation.observe={rpts: 100}"]);
      assert.equal(r.code, 1, r.stderr);
      assert.match(
        r.stderr,
        /^error: config key 'evaluation\.observe': \{"rpts":100\} leaves no step to score for cell '[^']+' in fold 'train_10_40C_test_25C'/m,
      );
      const id = newRun(ids, await runIds(out.abs));
      assert.equal((await readManifest(out.abs, id)).status, "FAILED");
      await assertIntact(out.abs, before);
    } finally {
      await out.dispose();
    }
  },
);
