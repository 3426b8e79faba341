/**
 * A sweep's tracking, run as a user runs it (`deno task batteryml sweep …`): with an mlflow tracker the
 * sweep is one MLflow parent run (named by the sweep id) whose children are the points' runs
 * (`mlflow.parentRunId`), with the comparison on the parent, which ends FINISHED — or FAILED when a point
 * failed — in a file store and on a tracking server (the in-process mock), on the local executor and on
 * Slurm when a cluster answers; with tensorboard the sweep's folder is one HParams experiment (records
 * decoded by field number). Expected values come from the points' own run manifests, not from the parent.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { batteryml, projectOutputDir } from "./robustness/_runs.ts";
import { pointState, slurmAvailable, sweepIdFrom, sweepRecord, writeSweepFile } from "./fixtures/sweep.ts";
import { decodeHParams, fileStoreRuns, type StoredRun, summaryValues } from "./fixtures/sweep_tracking.ts";
import { MockMlflowServer } from "./lib/mlflow/mock_mlflow_server.ts";

/** A 2 × 2 sweep (two models × two seeds, one LOCO fold) with the given tracking overrides. */
function sweepYaml(tracking: string[], model = "grid:\n  model: [dummy, linear]"): string {
  const overrides = ["data=synthetic", "split=loco", "pipeline=summary_set", ...tracking];
  return `name: trk\noverrides: [${overrides.map((o) => JSON.stringify(o)).join(", ")}]\n${model}\n` +
    "seeds: [1, 2]\nfolds: [loco/1/A]\n";
}

/** point index → { runId, config, seed, rmse from the run's manifest } for every FINISHED point. */
async function finishedPoints(
  outAbs: string,
  id: string,
): Promise<Map<number, { runId: string; config: string; seed: number; rmse: number }>> {
  const record = await sweepRecord(outAbs, id);
  const out = new Map();
  for (const p of record.points) {
    const state = await pointState(outAbs, id, p.index);
    if (state?.status !== "FINISHED") continue;
    const manifest = JSON.parse(
      await Deno.readTextFile(join(outAbs, "runs", String(state.runId), "manifest.json")),
    );
    out.set(p.index, {
      runId: state.runId,
      config: p.config,
      seed: p.seed,
      rmse: manifest.metrics.soh.overall.rmse,
    });
  }
  return out;
}

/** Checks one parent and its children in a file store; returns them. */
async function assertNested(
  mlruns: string,
  id: string,
  points: number,
): Promise<{ parent: StoredRun; children: StoredRun[] }> {
  const runs = await fileStoreRuns(mlruns);
  const parents = runs.filter((r) => !("mlflow.parentRunId" in r.tags));
  assert.equal(parents.length, 1, `one parent run, found ${parents.length}`);
  const parent = parents[0];
  assert.equal(parent.tags["mlflow.runName"], id);
  assert.equal(parent.tags["batteryml.sweep_id"], id);
  const children = runs.filter((r) => r.tags["mlflow.parentRunId"] === parent.runId);
  assert.equal(children.length, points, "every point's run is a child of the parent");
  assert.equal(runs.length, points + 1, "no other runs");
  for (const c of children) {
    assert.equal(c.experimentId, parent.experimentId);
    assert.equal(c.tags["batteryml.sweep_id"], id);
  }
  assert.deepEqual(
    children.map((c) => Number(c.tags["batteryml.sweep_point"])).sort(),
    Array.from({ length: points }, (_, i) => i),
  );
  return { parent, children };
}

/** Mean of `values`. */
const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;

Deno.test("sweep + mlflow file store + tensorboard: one parent, 4 children, compare on the parent, HParams experiment", async () => {
  const out = await projectOutputDir();
  try {
    const file = await writeSweepFile(
      out.rel,
      "trk.yaml",
      sweepYaml(["tracking=[mlflow,tensorboard]", `tracking.0.tracking_uri=file:${out.rel}/mlruns`]),
    );
    const r = await batteryml(["sweep", file, `output.dir=${out.rel}`, "--workers", "2"]);
    assert.equal(r.code, 0, r.stderr);
    const id = sweepIdFrom(r.stdout);
    const points = await finishedPoints(out.abs, id);
    assert.equal(points.size, 4);
    const { parent, children } = await assertNested(out.mlruns, id, 4);
    assert.equal(parent.status, 3, "parent FINISHED");
    assert.deepEqual(
      [parent.params["sweep.model"], parent.params["sweep.experiment.seed"], parent.params["sweep.points"]],
      ["dummy,linear", "1,2", "4"],
    );
    // Each child is its point's run, FINISHED, with the run's own metrics.
    for (const c of children) {
      const p = points.get(Number(c.tags["batteryml.sweep_point"]))!;
      assert.equal(c.tags["batteryml.run_id"], p.runId);
      assert.equal(c.status, 3);
      assert.equal(c.metrics["test/soh/rmse"], p.rmse);
    }
    // The comparison on the parent: per config, the mean of its children's RMSE.
    for (const config of ["c0", "c1"]) {
      const mine = children.filter((c) =>
        points.get(Number(c.tags["batteryml.sweep_point"]))!.config === config
      );
      const expected = mean(mine.map((c) => c.metrics["test/soh/rmse"]));
      assert.ok(Math.abs(parent.metrics[`compare/${config}/mean`] - expected) < 1e-12, config);
      assert.equal(parent.metrics[`compare/${config}/n`], 2);
    }
    assert.equal(parent.metrics["points/finished"], 4);
    assert.equal(parent.tags["batteryml.compare_metric"], "soh/rmse");
    const sweepFolder = join(out.abs, "sweeps", id);
    assert.equal(
      await Deno.readTextFile(join(parent.artifactsDir, "compare", "compare.csv")),
      await Deno.readTextFile(join(sweepFolder, "compare.csv")),
    );
    assert.match(
      await Deno.readTextFile(join(parent.artifactsDir, "compare", "compare.txt")),
      /rank\s+config/,
    );
    const png = await Deno.readFile(join(parent.artifactsDir, "compare", "compare.png"));
    assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47]);
    assert.equal(
      JSON.parse(await Deno.readTextFile(join(parent.artifactsDir, "sweep", "sweep.json"))).sweepId,
      id,
    );

    // TensorBoard: the sweep's folder declares the HParams columns; each point is a session in it.
    const tb = join(out.abs, "tensorboard", id);
    const experiments = (await summaryValues(tb)).filter((v) => v.tag === "_hparams_/experiment");
    assert.equal(experiments.length, 1);
    const experiment = (await decodeHParams(experiments[0])).experiment;
    assert.equal(experiment.name, id);
    assert.deepEqual(
      experiment.hparam_infos.map((h: { name: string; type: number }) => [h.name, h.type]),
      [["model", 1], ["experiment.seed", 3], ["evaluation.folds", 1]],
      "names and DataType (1 string, 3 float64)",
    );
    assert.deepEqual(experiment.hparam_infos[0].domain_discrete.values, [
      { string_value: "dummy" },
      { string_value: "linear" },
    ]);
    assert.deepEqual(experiment.hparam_infos[1].domain_discrete.values, [{ number_value: 1 }, {
      number_value: 2,
    }]);
    const metricTags = experiment.metric_infos.map((m: { name: { tag: string } }) => m.name.tag);
    assert.ok(
      metricTags.includes("sweep/soh/rmse") && metricTags.includes("test/soh/rmse"),
      metricTags.join(),
    );
    const labels = new Map((await sweepRecord(out.abs, id)).configs.map((c) => [c.key, c.label]));
    for (const p of points.values()) {
      const values = await summaryValues(join(tb, p.runId));
      const start = await decodeHParams(values.find((v) => v.tag === "_hparams_/session_start_info")!);
      const hp = start.session_start_info.hparams;
      assert.equal(`model=${hp.model.string_value}`, labels.get(p.config));
      assert.deepEqual(hp["experiment.seed"], { number_value: p.seed });
      assert.deepEqual(hp["evaluation.folds"], { string_value: "loco/1/A" });
      // The dashboard's metric columns read these: the compared value (float32) and the run's own.
      const compared = values.find((v) => v.tag === "sweep/soh/rmse");
      assert.equal(compared?.simple_value, Math.fround(p.rmse));
      assert.equal(values.find((v) => v.tag === "test/soh/rmse")?.simple_value, Math.fround(p.rmse));
    }
  } finally {
    await out.dispose();
  }
});

Deno.test("sweep + mlflow server (mock): a failed point makes the parent FAILED, the others FINISHED; a relaunch keeps the parent", async () => {
  const out = await projectOutputDir();
  const server = new MockMlflowServer();
  await server.start();
  try {
    const faulty = "./tests/fixtures/plugins/faulty_model.ts";
    const file = await writeSweepFile(
      out.rel,
      "faulty.yaml",
      sweepYaml(
        [`model=${faulty}`, "tracking=mlflow_server", `tracking.0.tracking_uri=${server.url}`],
        "grid:\n  model.fault: [none, nan]",
      ),
    );
    const r = await batteryml(["sweep", file, `output.dir=${out.rel}`, "--workers", "2"]);
    assert.equal(r.code, 1, "a point failed");
    assert.match(r.stdout, /2 FINISHED, 2 FAILED/);
    const id = sweepIdFrom(r.stdout);
    const points = await finishedPoints(out.abs, id);
    const runs = [...server.runs.values()];
    const parents = runs.filter((run) => !run.tags.has("mlflow.parentRunId"));
    assert.equal(parents.length, 1);
    const parent = parents[0];
    assert.equal(parent.runName, id);
    assert.equal(parent.status, "FAILED", "a point failed: the parent FAILED");
    const children = runs.filter((run) => run.tags.get("mlflow.parentRunId") === parent.runId);
    assert.equal(children.length, 4);
    const finished = children.filter((c) => c.status === "FINISHED");
    assert.equal(finished.length, 2);
    assert.equal(children.filter((c) => c.status === "FAILED").length, 2);
    // The FINISHED children are the points of the fault-free config, with their runs' RMSE.
    const rmse = (c: typeof children[0]) => Number(c.metrics.find((m) => m.key === "test/soh/rmse")!.value);
    for (const c of finished) {
      const p = points.get(Number(c.tags.get("batteryml.sweep_point")))!;
      assert.equal(p.config, "c0");
      assert.equal(rmse(c), p.rmse);
    }
    const parentMetric = (key: string) =>
      parent.metrics.filter((m) => m.key === key).map((m) => Number(m.value));
    assert.deepEqual(parentMetric("compare/c0/mean"), [mean(finished.map(rmse))]);
    assert.deepEqual(parentMetric("compare/c1/mean"), [], "a config with nothing finished has no mean");
    assert.deepEqual(parentMetric("points/failed"), [2]);
    const csv = server.artifacts.get(`${parent.experimentId}/${parent.runId}/artifacts/compare/compare.csv`);
    assert.ok(csv, `compare.csv uploaded to the parent (have ${[...server.artifacts.keys()].join(", ")})`);
    assert.equal(
      new TextDecoder().decode(csv),
      await Deno.readTextFile(join(out.abs, "sweeps", id, "compare.csv")),
    );

    // Relaunch: the failed points run again (and fail again) under the same parent.
    const again = await batteryml(["sweep", file, `output.dir=${out.rel}`, "--workers", "2"]);
    assert.equal(again.code, 1);
    const after = [...server.runs.values()];
    assert.equal(after.filter((run) => !run.tags.has("mlflow.parentRunId")).length, 1, "still one parent");
    assert.equal(after.filter((run) => run.tags.get("mlflow.parentRunId") === parent.runId).length, 6);
    assert.equal(server.runs.get(parent.runId)!.status, "FAILED");
  } finally {
    await server.stop();
    await out.dispose();
  }
});

const slurm = await slurmAvailable();
const inCI = Deno.env.get("CI") === "true";

Deno.test({
  name:
    "slurm sweep + mlflow file store: the tasks' runs are children of the parent; the aggregation job ends it",
  ignore: !slurm.ok && !inCI,
  fn: async () => {
    if (!slurm.ok) assert.fail(`CI=true and no Slurm cluster: ${slurm.reason}`);
    const out = await projectOutputDir();
    try {
      const file = await writeSweepFile(
        out.rel,
        "trk.yaml",
        sweepYaml(["tracking=mlflow", `tracking.0.tracking_uri=file:${out.rel}/mlruns`]),
      );
      const r = await batteryml(["sweep", file, `output.dir=${out.rel}`, "--executor", "slurm", "--wait"]);
      assert.equal(r.code, 0, r.stderr);
      const id = sweepIdFrom(r.stdout);
      const points = await finishedPoints(out.abs, id);
      assert.equal(points.size, 4);
      const { parent, children } = await assertNested(out.mlruns, id, 4);
      assert.equal(parent.status, 3, "the aggregation job ended the parent FINISHED");
      for (const c of children) {
        assert.equal(c.metrics["test/soh/rmse"], points.get(Number(c.tags["batteryml.sweep_point"]))!.rmse);
      }
      assert.ok(await Deno.stat(join(parent.artifactsDir, "compare", "compare.csv")));
      assert.equal(parent.metrics["points/finished"], 4);
    } finally {
      await out.dispose();
    }
  },
});
