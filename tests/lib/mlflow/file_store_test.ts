import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { FileStore, fileStoreRoot } from "../../../lib/mlflow/file_store.ts";
import { MlflowRequestError } from "../../../lib/mlflow/_errors.ts";

const RUN_META_KEYS = [
  "artifact_uri",
  "deleted_time",
  "end_time",
  "entry_point_name",
  "experiment_id",
  "lifecycle_stage",
  "run_id",
  "run_name",
  "run_uuid",
  "source_name",
  "source_type",
  "source_version",
  "start_time",
  "status",
  "tags",
  "user_id",
];
const EXPERIMENT_META_KEYS = [
  "artifact_location",
  "creation_time",
  "experiment_id",
  "last_update_time",
  "lifecycle_stage",
  "name",
];
/** tracking.md §2.1: the line format every MLflow reader accepts. */
const METRIC_LINE = /^-?\d+ \S+ -?\d+$/;

async function withStore(fn: (root: string, store: FileStore) => Promise<void>): Promise<void> {
  const root = await Deno.makeTempDir({ prefix: "mlruns_" });
  try {
    await fn(root, new FileStore(`file://${root}`));
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

async function readYaml(path: string): Promise<Record<string, unknown>> {
  return parse(await Deno.readTextFile(path));
}

const request = {
  runName: "20250101T000000Z-abcd1234-x1y2",
  startTime: 1_700_000_000_000,
  userId: "alice",
  tags: {},
};

Deno.test("a new store has .trash and the Default experiment 0; experiments are created by name", async () => {
  await withStore(async (root, store) => {
    const id = await store.ensureExperiment("batteryml");
    assert.match(id, /^[1-9]\d{17}$/);
    assert.equal(await store.ensureExperiment("batteryml"), id, "found by name the second time");
    assert.ok((await Deno.stat(join(root, ".trash"))).isDirectory);
    const def = await readYaml(join(root, "0", "meta.yaml"));
    assert.deepEqual([def.experiment_id, def.name, def.lifecycle_stage], ["0", "Default", "active"]);
    const meta = await readYaml(join(root, id, "meta.yaml"));
    assert.deepEqual(Object.keys(meta), EXPERIMENT_META_KEYS);
    assert.equal(meta.experiment_id, id);
    assert.equal(typeof meta.creation_time, "number");
    assert.equal(fileURLToPath(meta.artifact_location as string), join(root, id));
    // experiment_id is a quoted string in the file, as yaml.safe_dump writes it.
    assert.match(await Deno.readTextFile(join(root, id, "meta.yaml")), new RegExp(`experiment_id: '${id}'`));
  });
});

Deno.test("run meta.yaml has exactly MLflow's fields; end sets status code and end_time", async () => {
  await withStore(async (root, store) => {
    const experimentId = await store.ensureExperiment("batteryml");
    const run = await store.createRun(experimentId, request);
    assert.match(run.runId, /^[0-9a-f]{32}$/);
    const path = join(root, experimentId, run.runId, "meta.yaml");
    const meta = await readYaml(path);
    assert.deepEqual(Object.keys(meta), RUN_META_KEYS);
    assert.deepEqual(
      [
        meta.status,
        meta.end_time,
        meta.run_id,
        meta.run_uuid,
        meta.experiment_id,
        meta.source_type,
        meta.tags,
      ],
      [1, null, run.runId, run.runId, experimentId, 4, []],
    );
    assert.deepEqual([meta.run_name, meta.user_id, meta.start_time], [
      request.runName,
      "alice",
      request.startTime,
    ]);
    assert.equal(
      fileURLToPath(meta.artifact_uri as string),
      join(root, experimentId, run.runId, "artifacts"),
    );
    for (const [status, code] of [["FINISHED", 3], ["FAILED", 4], ["KILLED", 5]] as const) {
      await run.end(status, 1_700_000_000_999);
      const ended = await readYaml(path);
      assert.deepEqual([ended.status, ended.end_time], [code, 1_700_000_000_999]);
    }
    const leftovers = [...Deno.readDirSync(join(root, experimentId, run.runId))].map((e) => e.name).sort();
    assert.deepEqual(
      leftovers,
      ["artifacts", "meta.yaml", "metrics", "params", "tags"],
      "no temp files left",
    );
  });
});

Deno.test("metrics append '<ms> <value> <step>' lines; keys with '/' make folders", async () => {
  await withStore(async (_root, store) => {
    const run = await store.createRun(await store.ensureExperiment("e"), request);
    await run.logMetrics([{ key: "loss/train", value: 0.5, timestamp: 1000, step: 0 }]);
    await run.logMetrics([
      { key: "loss/train", value: 1e-7, timestamp: 1001, step: 1 },
      { key: "loss/train", value: NaN, timestamp: 1002, step: 2 },
      { key: "rmse", value: -Infinity, timestamp: 1003, step: 3 },
    ]);
    const lines = (await Deno.readTextFile(join(run.dir, "metrics", "loss", "train"))).split("\n");
    assert.deepEqual(lines, ["1000 0.5 0", "1001 1e-7 1", "1002 NaN 2", ""]);
    for (const line of lines.slice(0, -1)) assert.match(line, METRIC_LINE);
    assert.equal(await Deno.readTextFile(join(run.dir, "metrics", "rmse")), "1003 -Infinity 3\n");
    await assert.rejects(
      () => run.logMetrics([{ key: "a//b", value: 1, timestamp: 1, step: 0 }]),
      MlflowRequestError,
    );
  });
});

Deno.test("params are raw values, immutable; tags include mlflow.runName; artifacts are plain files", async () => {
  await withStore(async (_root, store) => {
    const run = await store.createRun(await store.ensureExperiment("e"), {
      ...request,
      tags: { "mlflow.source.name": "batteryml" },
    });
    await run.logParams({ "model.lr": "0.01", seed: "7" });
    await run.logParams({ seed: "7" }); // same value again: accepted
    assert.equal(await Deno.readTextFile(join(run.dir, "params", "model.lr")), "0.01");
    await assert.rejects(() => run.logParams({ seed: "8" }), /immutable/);
    assert.equal(await Deno.readTextFile(join(run.dir, "tags", "mlflow.runName")), request.runName);
    assert.equal(await Deno.readTextFile(join(run.dir, "tags", "mlflow.source.name")), "batteryml");
    await run.logArtifactBytes("figures/a.svg", "<svg/>");
    const src = await Deno.makeTempDir();
    await Deno.writeTextFile(join(src, "w.json"), "{}");
    await run.logArtifactFile(src, "model");
    await Deno.remove(src, { recursive: true });
    assert.equal(await Deno.readTextFile(join(run.dir, "artifacts", "figures", "a.svg")), "<svg/>");
    assert.equal(await Deno.readTextFile(join(run.dir, "artifacts", "model", "w.json")), "{}");
    await assert.rejects(() => run.logArtifactBytes("../escape", "x"), MlflowRequestError);
  });
});

Deno.test("fileStoreRoot accepts file:relative, file:///absolute and plain paths", () => {
  assert.equal(fileStoreRoot("file:///tmp/mlruns"), "/tmp/mlruns");
  assert.equal(fileStoreRoot("file:./artifacts/mlruns"), join(Deno.cwd(), "artifacts", "mlruns"));
  assert.equal(fileStoreRoot("mlruns"), join(Deno.cwd(), "mlruns"));
});
