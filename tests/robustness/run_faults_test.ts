/**
 * Robustness corpus, areas "plugin" and "fault": bad plugins (throws, rejects, hangs, leaves a rejection
 * unhandled, predicts NaN/Inf, a wrong shape, a short y, all masked) and faults (SIGINT/SIGTERM during
 * GBDT and neural training, kill -9). Each case asserts the outcome class — a typed error naming the
 * plugin and method or the model, fold and cell; the run recorded as FAILED, KILLED or (kill -9)
 * RUNNING-then-CRASHED — and that an earlier run and its tracked records are intact.
 */
import assert from "node:assert/strict";
import { join, resolve } from "node:path";
import { composeConfig } from "../../core/config.ts";
import { LeakageError, ModelError, PluginError } from "../../core/errors.ts";
import { createRecordingLogger } from "../../core/log.ts";
import { runExperiment } from "../../core/run.ts";
import { runInProcess } from "../../core/loader.ts";
import { makeConfigDir } from "../fixtures/config_dir.ts";
import { robustnessCase } from "./_case.ts";
import {
  assertIntact,
  batteryml,
  newRun,
  projectOutputDir,
  readManifest,
  ROOT,
  runIds,
  snapshot,
} from "./_runs.ts";

const FIXTURES = resolve(import.meta.dirname!, "../fixtures/plugins");
const FAULTY = join(FIXTURES, "faulty_model.ts");
// The runExperiment cases test the core's guard around in-process plugins (built-ins run there): the
// fixtures join them; the CLI cases run the same fixtures by path, sandboxed.
runInProcess(FAULTY, join(FIXTURES, "hanging_tracker.ts"));

/** A config folder with one finished run in its output folder, and the snapshot of that folder. */
async function withEarlierRun(extra: Record<string, string> = {}) {
  const configDir = await makeConfigDir({
    "model/faulty.yaml": `use: ${FAULTY}\n`,
    "tracking/hanging.yaml": `use: ${join(FIXTURES, "hanging_tracker.ts")}\n`,
    ...extra,
  });
  const composed = await composeConfig({ configDir });
  const earlier = await runExperiment({ composed, log: createRecordingLogger() });
  assert.equal(earlier.status, "FINISHED");
  const outputDir = composed.config.output.dir;
  return { configDir, outputDir, ids: await runIds(outputDir), before: await snapshot(outputDir) };
}

interface PluginFault {
  name: string;
  overrides: string[];
  error: typeof PluginError | typeof ModelError | typeof LeakageError;
  message: RegExp;
  /** Refused before the run folder exists (instance creation). */
  refused?: boolean;
}

const PLUGIN_FAULTS: PluginFault[] = [
  {
    name: "model fit throws a TypeError",
    overrides: ["model=faulty", "+model.fault=fit_throws"],
    error: PluginError,
    message: /plugin '.*faulty_model\.ts': model 'faulty_model' fit\(\) failed: cannot read properties/,
  },
  {
    name: "model fit's promise rejects",
    overrides: ["model=faulty", "+model.fault=fit_rejects"],
    error: PluginError,
    message: /model 'faulty_model' fit\(\) failed: optimizer state lost/,
  },
  {
    name: "model fit never settles (plugins.timeout_s=1)",
    overrides: ["model=faulty", "+model.fault=fit_hangs", "plugins.timeout_s=1"],
    error: PluginError,
    message: /model 'faulty_model' fit\(\) did not settle within 1 s \(config key 'plugins\.timeout_s'\)/,
  },
  {
    name: "model predict never settles (plugins.timeout_s=1)",
    overrides: ["model=faulty", "+model.fault=predict_hangs", "plugins.timeout_s=1"],
    error: PluginError,
    message: /model 'faulty_model' predict\(\) did not settle within 1 s/,
  },
  {
    name: "model create never settles (plugins.timeout_s=1)",
    overrides: ["model=faulty", "+model.fault=create_hangs", "plugins.timeout_s=1"],
    error: PluginError,
    message: /model 'faulty_model' create\(\) did not settle within 1 s/,
    refused: true,
  },
  {
    name: "model leaves a rejection unhandled during fit",
    overrides: ["model=faulty", "+model.fault=unhandled_rejection"],
    error: PluginError,
    message: /model 'faulty_model' left an unhandled rejection during fit\(\): background upload failed/,
  },
  {
    name: "model's timer throws during fit",
    overrides: ["model=faulty", "+model.fault=timer_throws"],
    error: PluginError,
    message: /model 'faulty_model' left an uncaught exception during fit\(\): callback exploded/,
  },
  {
    name: "model predicts NaN for one cell",
    overrides: ["model=faulty", "+model.fault=nan", "+model.fault_cell=t/D"],
    error: ModelError,
    message: /^model 'faulty_model', fold 'holdout', cell 't\/D': predicted NaN for target 'soh' at RPT 0/,
  },
  {
    name: "model predicts Infinity",
    overrides: ["model=faulty", "+model.fault=inf"],
    error: ModelError,
    message: /^model 'faulty_model', fold 'holdout', cell 't\/C': predicted Infinity for target 'soh'/,
  },
  {
    name: "model predicts the wrong shape",
    overrides: ["model=faulty", "+model.fault=wrong_shape"],
    error: ModelError,
    message: /^model 'faulty_model', fold 'holdout': predicted shape \[10,1,2\], expected \[10, 1, 1\]/,
  },
  {
    name: "model's y is shorter than its yShape",
    overrides: ["model=faulty", "+model.fault=short_y"],
    error: ModelError,
    message: /^model 'faulty_model', fold 'holdout': y has 9 values, but yShape \[10,1,1\] needs 10/,
  },
  {
    name: "model masks every prediction of one cell",
    overrides: ["model=faulty", "+model.fault=all_masked", "+model.fault_cell=t/C"],
    error: ModelError,
    message: /^model 'faulty_model', fold 'holdout', cell 't\/C': every prediction is masked \(5 steps/,
  },
  {
    name: "pipeline reads a test cell outside its view",
    overrides: ["+pipeline.peek=t/C"],
    error: LeakageError,
    message: /cell 't\/C' is outside this view/,
  },
];

for (const fault of PLUGIN_FAULTS) {
  robustnessCase("plugin", "error", fault.name, async () => {
    const { configDir, outputDir, ids, before } = await withEarlierRun();
    const composed = await composeConfig({ configDir, overrides: fault.overrides });
    const err = await runExperiment({ composed, log: createRecordingLogger() }).then(
      () => undefined,
      (e) => e,
    );
    assert.ok(err instanceof fault.error, `expected ${fault.error.name}, got ${err}`);
    assert.match(err.message, fault.message);
    const after = await runIds(outputDir);
    if (fault.refused) assert.deepEqual(after, ids);
    else {
      const id = newRun(ids, after);
      assert.equal((await readManifest(outputDir, id)).status, "FAILED");
      const local = JSON.parse(await Deno.readTextFile(join(outputDir, "runs", id, "status.json")));
      assert.equal(local.status, "FAILED");
    }
    await assertIntact(outputDir, before);
  });
}

robustnessCase(
  "plugin",
  "warning",
  "a tracker whose metrics() never settles warns once; the run finishes",
  async () => {
    const { configDir, outputDir, before } = await withEarlierRun();
    const composed = await composeConfig({
      configDir,
      overrides: ["tracking=[hanging, local]", "plugins.timeout_s=1"],
    });
    const log = createRecordingLogger();
    const summary = await runExperiment({ composed, log });
    assert.equal(summary.status, "FINISHED");
    const warnings = log.lines.filter((l) => l.includes("tracker 'hanging' failed"));
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /metrics\(\) did not settle within 1 s/);
    const manifest = await readManifest(outputDir, summary.runId);
    assert.deepEqual(manifest.trackerFailures, { hanging: 1 });
    await assertIntact(outputDir, before);
  },
);

// ---------------------------------------------------------------------------------------------------
// Through the CLI, as a user runs it (`deno task batteryml run …`, the task's permissions).

/** A finished dual-tracking run in a fresh project output folder (also warms the synthetic-data cache). */
async function cliEarlierRun() {
  const out = await projectOutputDir();
  const first = await batteryml(["run", `output.dir=${out.rel}`, ...out.dual, "--quiet"]);
  assert.equal(first.code, 0, first.stderr);
  return { out, ids: await runIds(out.abs), before: await snapshot(out.abs) };
}

robustnessCase(
  "plugin",
  "error",
  "CLI: a model predicting NaN exits 1 with one line naming model, fold and cell",
  async () => {
    const { out, ids, before } = await cliEarlierRun();
    try {
      const r = await batteryml([
        "run",
        `output.dir=${out.rel}`,
        ...out.dual,
        "model=./tests/fixtures/plugins/faulty_model.ts",
        "+model.fault=nan",
        "+model.fault_cell=1/D",
      ]);
      assert.equal(r.code, 1, r.stderr);
      const errors = r.stderr.split("\n").filter((l) => l.startsWith("error:"));
      assert.equal(errors.length, 1, r.stderr);
      assert.match(
        errors[0],
        /^error: model 'faulty_model', fold 'train_10_40C_test_25C', cell '1\/D': predicted NaN for target 'soh'/,
      );
      assert.doesNotMatch(r.stderr, /^\s+at /m); // no stack trace
      const id = newRun(ids, await runIds(out.abs));
      assert.equal((await readManifest(out.abs, id)).status, "FAILED");
      assert.equal(await mlflowStatusOf(out.mlruns, id), MLFLOW_FAILED);
      await assertIntact(out.abs, before);
    } finally {
      await out.dispose();
    }
  },
);

robustnessCase(
  "plugin",
  "error",
  "CLI: a hanging plugin with plugins.timeout_s=2 fails naming plugin and method",
  async () => {
    const { out, ids, before } = await cliEarlierRun();
    try {
      const r = await batteryml([
        "run",
        `output.dir=${out.rel}`,
        "model=./tests/fixtures/plugins/faulty_model.ts",
        "+model.fault=fit_hangs",
        "plugins.timeout_s=2",
      ]);
      assert.equal(r.code, 1, r.stderr);
      assert.match(
        r.stderr,
        /^error: plugin '\.\/tests\/fixtures\/plugins\/faulty_model\.ts': model 'faulty_model' fit\(\) did not settle within 2 s.*its sandbox was stopped/m,
      );
      const id = newRun(ids, await runIds(out.abs));
      assert.equal((await readManifest(out.abs, id)).status, "FAILED");
      await assertIntact(out.abs, before);
    } finally {
      await out.dispose();
    }
  },
);

/** MLflow's RunStatus codes as the file store writes them in meta.yaml. */
const MLFLOW_RUNNING = 1, MLFLOW_FAILED = 4, MLFLOW_KILLED = 5;

/** The status code in the MLflow file-store meta.yaml of the run named `runId`. */
async function mlflowStatusOf(store: string, runId: string): Promise<number> {
  for await (const exp of Deno.readDir(store)) {
    if (!exp.isDirectory || exp.name.startsWith(".")) continue;
    for await (const run of Deno.readDir(join(store, exp.name))) {
      if (!run.isDirectory) continue;
      const tag = join(store, exp.name, run.name, "tags", "batteryml.run_id");
      const owner = await Deno.readTextFile(tag).catch(() => "");
      if (owner.trim() !== runId) continue;
      const meta = await Deno.readTextFile(join(store, exp.name, run.name, "meta.yaml"));
      return Number(/^status: (\d+)$/m.exec(meta)?.[1]);
    }
  }
  throw new Error(`no MLflow run tagged ${runId} in ${store}`);
}

/** Overrides that keep each kind of training busy far longer than the test waits. */
const LONG_TRAINING: Record<"gbdt" | "neural", string[]> = {
  gbdt: [
    "model=lgbm",
    "model.num_iterations=1000000",
    "model.learning_rate=1e-9",
    "model.early_stopping_round=0",
  ],
  neural: ["model=mlp", "training.epochs=100000", "training.patience=0", "training.backend=wasm"],
};

/**
 * Starts a long dual-tracking run and waits until its model is training: for GBDT the inner fit has
 * begun (the "samples" step is logged just before it); for the neural model the local tracker has
 * flushed per-epoch metrics. Returns the child and the new run's id.
 */
async function startTraining(
  out: { rel: string; abs: string; dual: string[] },
  kind: "gbdt" | "neural",
  ids: string[],
) {
  // In its own session (util-linux `setsid`), so a signal can go to the whole process group — `deno task`
  // and the CLI it starts — as a terminal's Ctrl-C does.
  const child = new Deno.Command("setsid", {
    args: [
      Deno.execPath(),
      "task",
      "-q",
      "batteryml",
      "run",
      `output.dir=${out.rel}`,
      ...out.dual,
      ...LONG_TRAINING[kind],
    ],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let stderr = "";
  const drained = (async () => {
    for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) stderr += chunk;
  })();
  const stdout = new Response(child.stdout).text();
  let id: string | undefined;
  // Bounded: a run that never reaches training fails the test instead of hanging the suite.
  const deadline = Date.now() + 180_000;
  for (;;) {
    if (Date.now() > deadline) {
      Deno.kill(-child.pid, "SIGKILL");
      throw new Error(`the ${kind} run did not start training within 180 s; stderr:\n${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
    const added = (await runIds(out.abs)).filter((r) => !ids.includes(r));
    if (added.length) id = added[0];
    const training = kind === "gbdt" ? /\] samples: /.test(stderr) : id !== undefined &&
      await Deno.stat(join(out.abs, "runs", id, "metrics.json")).then(() => true, () => false);
    if (training && id) break;
  }
  // GBDT: let the boosting loop itself run before the signal.
  if (kind === "gbdt") await new Promise((r) => setTimeout(r, 500));
  return { child, id: id!, done: async () => (await drained, await stdout, stderr) };
}

for (const kind of ["gbdt", "neural"] as const) {
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    robustnessCase(
      "fault",
      "error",
      `${signal} during ${kind} training records KILLED everywhere`,
      async () => {
        const { out, ids, before } = await cliEarlierRun();
        try {
          const { child, id, done } = await startTraining(out, kind, ids);
          Deno.kill(-child.pid, signal); // the process group, as Ctrl-C in a terminal
          const status = await child.status;
          const stderr = await done();
          assert.equal(status.code, signal === "SIGINT" ? 130 : 143, stderr);
          assert.match(stderr, new RegExp(`error: interrupted by ${signal}; the run is recorded as KILLED`));
          const manifest = await readManifest(out.abs, id);
          assert.equal(manifest.status, "KILLED");
          const local = JSON.parse(await Deno.readTextFile(join(out.abs, "runs", id, "status.json")));
          assert.equal(local.status, "KILLED");
          assert.equal(await mlflowStatusOf(out.mlruns, id), MLFLOW_KILLED);
          await assertIntact(out.abs, before);
        } finally {
          await out.dispose();
        }
      },
    );
  }
}

robustnessCase(
  "fault",
  "error",
  "kill -9 during GBDT leaves a RUNNING manifest that runs list shows as CRASHED",
  async () => {
    const { out, ids, before } = await cliEarlierRun();
    try {
      const { child, id, done } = await startTraining(out, "gbdt", ids);
      const running = await readManifest(out.abs, id);
      assert.equal(running.status, "RUNNING");
      const proc = running.process as { pid: number; hostname: string };
      assert.equal(proc.hostname, Deno.hostname());
      // While its process lives, the run is listed as RUNNING.
      const live = await batteryml(["runs", "list", "--json", "--output-dir", out.rel]);
      assert.deepEqual(
        (JSON.parse(live.stdout) as { runId: string; status: string }[]).map((r) => [r.runId, r.status]),
        [[ids[0], "FINISHED"], [id, "RUNNING"]],
      );
      Deno.kill(proc.pid, "SIGKILL");
      await child.status;
      await done();
      assert.equal((await readManifest(out.abs, id)).status, "RUNNING");
      assert.equal(await mlflowStatusOf(out.mlruns, id), MLFLOW_RUNNING);
      const listed = await batteryml(["runs", "list", "--json", "--output-dir", out.rel]);
      assert.equal(listed.code, 0, listed.stderr);
      const runs = JSON.parse(listed.stdout) as { runId: string; status: string }[];
      assert.deepEqual(
        runs.map((r) => [r.runId, r.status]),
        [[ids[0], "FINISHED"], [id, "CRASHED"]],
      );
      await assertIntact(out.abs, before);
    } finally {
      await out.dispose();
    }
  },
);
