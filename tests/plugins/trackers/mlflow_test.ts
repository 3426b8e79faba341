import assert from "node:assert/strict";
import { join } from "node:path";
import { parse } from "yaml";
import mlflow, { resolveMlflowOptions } from "../../../plugins/trackers/mlflow.ts";
import { validateDefinition } from "../../../core/loader.ts";
import { runContract } from "../../../testing/mod.ts";
import { syncSpool } from "../../../lib/mlflow/mod.ts";
import { MockMlflowServer } from "../../lib/mlflow/mock_mlflow_server.ts";
import { testContext, testRun, withTempDir } from "./tracker_fixtures.ts";

async function validOptions(raw: Record<string, unknown>) {
  const result = await mlflow.options["~standard"].validate(raw);
  if (result.issues) throw new Error(result.issues.map((i) => i.message).join("; "));
  return result.value;
}

function loaded() {
  return {
    specifier: "mlflow",
    source: "builtin" as const,
    resolved: "",
    definition: validateDefinition("mlflow", { default: mlflow }, "tracker"),
  };
}

/** The only run folder of the only non-default experiment. */
function onlyRunDir(root: string): { experimentDir: string; runDir: string } {
  const experiments = [...Deno.readDirSync(root)].map((e) => e.name).filter((n) =>
    n !== "0" && n !== ".trash"
  );
  assert.equal(experiments.length, 1);
  const experimentDir = join(root, experiments[0]);
  const runs = [...Deno.readDirSync(experimentDir)].filter((e) => e.isDirectory).map((e) => e.name);
  assert.equal(runs.length, 1);
  return { experimentDir, runDir: join(experimentDir, runs[0]) };
}

Deno.test("mlflow options: the store defaults to MLflow's ./mlruns, the spool to output.dir; bad URIs refused", async () => {
  const opts = resolveMlflowOptions(await validOptions({}));
  assert.deepEqual(
    [opts.tracking_uri, opts.experiment_name, opts.spool_dir],
    ["file:mlruns", "batteryml", "artifacts/mlflow-spool"],
  );
  const elsewhere = resolveMlflowOptions(await validOptions({}), "/data/out");
  assert.deepEqual([elsewhere.tracking_uri, elsewhere.spool_dir], ["file:mlruns", "/data/out/mlflow-spool"]);
  const given = resolveMlflowOptions(
    await validOptions({ tracking_uri: "file:/x", spool_dir: "/y" }),
    "/data/out",
  );
  assert.deepEqual([given.tracking_uri, given.spool_dir], ["file:/x", "/y"]);
  await assert.rejects(() => validOptions({ tracking_uri: "ftp://x" }));
  // MLflow >= 3.8 cannot open runs below a folder named artifacts: such a store is refused up front.
  for (const uri of ["file:artifacts/mlruns", "file:./artifacts/mlruns", "file:///srv/artifacts/x/mlruns"]) {
    await assert.rejects(() => validOptions({ tracking_uri: uri }), /artifacts/, uri);
  }
  await validOptions({ tracking_uri: "file:/srv/my_artifacts/mlruns" });
});

Deno.test("mlflow run tags: mlflow.user from the OS user and mlflow.source.git.commit of this checkout", async () => {
  const head = new TextDecoder().decode(
    (await new Deno.Command("git", { args: ["rev-parse", "HEAD"], stdout: "piped" }).output()).stdout,
  ).trim();
  await withTempDir(async (dir) => {
    const ctx = testContext();
    const tracker = await mlflow.create(await validOptions({ tracking_uri: `file:${dir}/mlruns` }), ctx);
    await tracker.start(testRun(dir));
    await tracker.end("FINISHED");
    const { runDir } = onlyRunDir(join(dir, "mlruns"));
    const tag = (k: string) => Deno.readTextFileSync(join(runDir, "tags", k));
    assert.equal(tag("mlflow.source.git.commit"), head);
    assert.equal(tag("mlflow.user"), Deno.env.get("USER") ?? Deno.env.get("USERNAME") ?? "unknown");
  });
});

Deno.test("mlflow (file store) passes the tracker contract", async () => {
  await withTempDir(async (dir) => {
    const results = await runContract(loaded(), {
      tracking_uri: `file:${dir}/mlruns`,
      experiment_name: "contract",
    });
    assert.deepEqual(results.filter((r) => !r.ok), []);
  });
});

Deno.test("mlflow file store run: tags, params, sanitised metric keys, artifacts, final status", async () => {
  await withTempDir(async (dir) => {
    const ctx = testContext();
    const tracker = await mlflow.create(await validOptions({ tracking_uri: `file:${dir}/mlruns` }), ctx);
    const run = testRun(join(dir, "run"));
    await tracker.start(run);
    await tracker.params({ "model.lr": 0.01, flag: true, long: "x".repeat(600) });
    await tracker.metrics({ "rmse/25°C": 0.1, loss: 0.5 }, 0);
    await tracker.metrics({ "rmse/25°C": 0.09, loss: 0.4 }, 1);
    await tracker.text("notes", "# hi");
    await tracker.figure("capacity", { svg: "<svg/>" });
    await tracker.end("FAILED");

    const { runDir } = onlyRunDir(join(dir, "mlruns"));
    const read = (...p: string[]) => Deno.readTextFileSync(join(runDir, ...p));
    assert.equal(read("tags", "mlflow.runName"), run.runId);
    assert.equal(read("tags", "mlflow.source.name"), "batteryml");
    assert.equal(read("tags", "mlflow.source.type"), "LOCAL");
    assert.equal(read("tags", "batteryml.config_hash"), run.configHash);
    assert.equal(read("params", "model.lr"), "0.01");
    assert.equal(read("params", "flag"), "true");
    assert.equal(read("params", "long").length, 500);
    assert.match(read("metrics", "rmse", "25_C"), /^\d+ 0\.1 0\n\d+ 0\.09 1\n$/);
    assert.ok(ctx.log.lines.some((l) => l.includes("'rmse/25°C' is logged as 'rmse/25_C'")));
    assert.equal(read("artifacts", "config.yaml"), run.configYaml);
    assert.equal(read("artifacts", "text", "notes.md"), "# hi");
    assert.equal(read("artifacts", "figures", "capacity.svg"), "<svg/>");
    const meta = parse(read("meta.yaml"));
    assert.deepEqual([meta.status, meta.run_name, meta.start_time], [4, run.runId, run.startedAt.getTime()]);
    assert.equal(typeof meta.end_time, "number");
  });
});

Deno.test("mlflow over REST: server down mid-run, the run goes on, tracking sync delivers it", async () => {
  await withTempDir(async (dir) => {
    const server = new MockMlflowServer();
    await server.start();
    const ctx = testContext();
    const spool = join(dir, "spool");
    const options = await validOptions({
      tracking_uri: server.url,
      spool_dir: spool,
      timeout_ms: 500,
      max_retries: 1,
      backoff_ms: 5,
    });
    const tracker = await mlflow.create(options, ctx);
    const run = testRun(join(dir, "run"));
    await tracker.start(run);
    await tracker.params({ lr: 0.01 });
    await tracker.metrics({ loss: 1 }, 0);
    await server.stop();
    await tracker.metrics({ loss: 0.5 }, 1);
    await tracker.figure("capacity", { png: Uint8Array.of(1, 2, 3) });
    await tracker.end("FINISHED");
    assert.equal(ctx.log.lines.filter((l) => l.includes("tracking sync")).length, 1, "one offline warning");

    await server.start();
    const result = await syncSpool({ spoolDir: spool, backoffMs: 5 });
    assert.ok(result.runs[0].complete);
    const remote = [...server.runs.values()];
    assert.equal(remote.length, 1);
    assert.deepEqual(remote[0].metrics.map((m) => [m.step, m.value]), [[0, 1], [1, 0.5]]);
    assert.equal(remote[0].runName, run.runId);
    assert.equal(remote[0].tags.get("batteryml.run_id"), run.runId);
    assert.equal(remote[0].status, "FINISHED");
    assert.deepEqual([...server.artifacts.keys()].map((k) => k.split("/").slice(3).join("/")).sort(), [
      "config.yaml",
      "figures/capacity.png",
    ]);
    await server.stop();
  });
});
