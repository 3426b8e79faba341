import assert from "node:assert/strict";
import { join } from "node:path";
import { openRestRun } from "../../../lib/mlflow/rest_run.ts";
import { syncSpool } from "../../../lib/mlflow/sync.ts";
import { MockMlflowServer } from "./mock_mlflow_server.ts";

const start = { experimentName: "batteryml", runName: "run-1", startTime: 1000, userId: "u", tags: {} };
const metric = (step: number) => ({ key: "loss", value: step / 10, timestamp: 1000 + step, step });

async function withSpoolDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "spool_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const options = (server: MockMlflowServer, spoolDir: string, localRunId = "local-1") => ({
  trackingUri: server.url,
  spoolDir,
  localRunId,
  timeoutMs: 500,
  maxRetries: 1,
  backoffMs: 5,
});

Deno.test("an online run sends everything and removes its spool at the end", async () => {
  await withSpoolDir(async (spoolDir) => {
    const server = new MockMlflowServer();
    await server.start();
    try {
      const run = await openRestRun(options(server, spoolDir), start);
      await run.logParams({ lr: "0.01" });
      await run.logMetrics([metric(0), { ...metric(1), value: NaN }]);
      await run.logArtifactBytes("config.yaml", "a: 1\n");
      await run.end("FINISHED", 5000);
      const remote = server.runs.get(run.runId)!;
      assert.deepEqual(remote.metrics.map((m) => m.value), [0, "NaN"]);
      assert.equal(remote.params.get("lr"), "0.01");
      assert.equal(remote.status, "FINISHED");
      assert.equal(server.artifacts.size, 1);
      assert.deepEqual([...Deno.readDirSync(spoolDir)], [], "spool removed once delivered");
    } finally {
      await server.stop();
    }
  });
});

Deno.test("server down mid-run: the run continues into the spool; syncSpool replays once, no duplicates", async () => {
  await withSpoolDir(async (spoolDir) => {
    const server = new MockMlflowServer();
    await server.start();
    const offline: Error[] = [];
    const run = await openRestRun({ ...options(server, spoolDir), onOffline: (e) => offline.push(e) }, start);
    await run.logParams({ lr: "0.01" });
    await run.logMetrics([metric(0), metric(1)]);
    await server.stop(); // the server goes down mid-run
    await run.logMetrics([metric(2)]);
    await run.logMetrics([metric(3)]);
    await run.logArtifactBytes("figures/f.svg", "<svg/>");
    await run.end("FINISHED", 9000);
    assert.equal(offline.length, 1, "offline reported once");
    assert.ok(run.offline);
    const runDir = join(spoolDir, "local-1");
    assert.ok(Deno.statSync(join(runDir, "records.jsonl")).isFile, "records spooled as JSON lines");

    await server.start(); // back, same port
    const result = await syncSpool({ spoolDir, timeoutMs: 500, maxRetries: 1, backoffMs: 5 });
    assert.equal(result.unavailable, undefined);
    assert.equal(result.runs.length, 1);
    assert.ok(result.runs[0].complete);
    assert.equal(result.runs[0].remoteRunId, run.runId);
    const remote = server.runs.get(run.runId)!;
    assert.equal(server.runs.size, 1, "the run was not created twice");
    assert.deepEqual(remote.metrics.map((m) => m.step), [0, 1, 2, 3], "each metric exactly once");
    assert.equal(remote.status, "FINISHED");
    assert.equal(remote.endTime, 9000);
    assert.equal(server.artifacts.size, 1);

    const again = await syncSpool({ spoolDir, timeoutMs: 500, maxRetries: 1, backoffMs: 5 });
    assert.deepEqual(again.runs, [], "nothing left to send");
    assert.equal(remote.metrics.length, 4);
    await server.stop();
  });
});

Deno.test("server unreachable from the start: the run is created on sync; sync is idempotent", async () => {
  await withSpoolDir(async (spoolDir) => {
    const server = new MockMlflowServer();
    await server.start();
    await server.stop();
    const run = await openRestRun(options(server, spoolDir, "local-2"), start);
    await run.logMetrics([metric(0)]);
    await run.end("FAILED", 7000);
    assert.equal(run.runId, "local-2", "no server id yet");

    const down = await syncSpool({ spoolDir, timeoutMs: 300, maxRetries: 0 });
    assert.ok(down.unavailable);
    assert.equal(down.runs[0].complete, false);

    await server.start();
    const up = await syncSpool({ spoolDir, backoffMs: 5 });
    assert.equal(up.runs[0].complete, true);
    assert.equal(up.runs[0].sent, 3);
    const remote = [...server.runs.values()];
    assert.equal(remote.length, 1);
    assert.deepEqual([remote[0].status, remote[0].metrics.length], ["FAILED", 1]);
    assert.equal(server.experiments.get("batteryml")?.id, remote[0].experimentId);
    await server.stop();
  });
});

Deno.test("sync resumes after a partial replay without re-sending acknowledged records", async () => {
  await withSpoolDir(async (spoolDir) => {
    const server = new MockMlflowServer();
    await server.start();
    await server.stop();
    const run = await openRestRun(options(server, spoolDir, "local-3"), start);
    for (let s = 0; s < 4; s++) await run.logMetrics([metric(s)]);
    await run.end("FINISHED", 8000);
    await server.start();
    // create_run needs get-by-name, create experiment, create run; then two batches get through.
    server.failures = [];
    let served = 0;
    const realFetch = globalThis.fetch;
    globalThis.fetch = (input, init) => {
      if (++served > 5) return Promise.reject(new TypeError("connection reset"));
      return realFetch(input, init);
    };
    let partial;
    try {
      partial = await syncSpool({ spoolDir, maxRetries: 0 });
    } finally {
      globalThis.fetch = realFetch;
    }
    assert.ok(partial.unavailable);
    const remote = [...server.runs.values()][0];
    assert.deepEqual(remote.metrics.map((m) => m.step), [0, 1]);
    const done = await syncSpool({ spoolDir, backoffMs: 5 });
    assert.ok(done.runs[0].complete);
    assert.deepEqual(remote.metrics.map((m) => m.step), [0, 1, 2, 3]);
    assert.equal(remote.status, "FINISHED");
    await server.stop();
  });
});

Deno.test("unfinished runs are left alone unless asked; a refused record is reported, not retried", async () => {
  await withSpoolDir(async (spoolDir) => {
    const server = new MockMlflowServer();
    await server.start();
    await server.stop();
    const run = await openRestRun(options(server, spoolDir, "local-4"), start);
    await run.logParams({ lr: "1" });
    await run.logParams({ lr: "2" }); // immutable param: the server will refuse this one
    await server.start();
    const skipped = await syncSpool({ spoolDir, backoffMs: 5 });
    assert.match(skipped.runs[0].skipped ?? "", /not ended/);
    assert.equal(server.runs.size, 0);
    const forced = await syncSpool({ spoolDir, backoffMs: 5, includeUnfinished: true });
    assert.equal(forced.runs[0].failures.length, 1);
    assert.match(forced.runs[0].failures[0], /INVALID_PARAMETER_VALUE/);
    assert.equal(forced.runs[0].complete, false);
    const again = await syncSpool({ spoolDir, backoffMs: 5, includeUnfinished: true });
    assert.equal(again.runs[0].sent, 0);
    assert.deepEqual(again.runs[0].failures, []);
    await server.stop();
  });
});
