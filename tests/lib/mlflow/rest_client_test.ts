import assert from "node:assert/strict";
import { MlflowRestClient } from "../../../lib/mlflow/_rest_client.ts";
import { MlflowRequestError, MlflowUnavailableError } from "../../../lib/mlflow/_errors.ts";
import type { Batch } from "../../../lib/mlflow/_batch.ts";
import { MockMlflowServer } from "./mock_mlflow_server.ts";

async function withServer(fn: (server: MockMlflowServer) => Promise<void>): Promise<void> {
  const server = new MockMlflowServer();
  await server.start();
  try {
    await fn(server);
  } finally {
    await server.stop();
  }
}

const fastClient = (server: MockMlflowServer, timeoutMs = 2000) =>
  new MlflowRestClient({ trackingUri: server.url, timeoutMs, maxRetries: 3, backoffMs: 5 });

async function newRun(client: MlflowRestClient) {
  const experimentId = await client.ensureExperiment("batteryml");
  return client.createRun({
    experimentId,
    runName: "r1",
    startTime: 1000,
    userId: "u",
    tags: { "mlflow.runName": "r1" },
  });
}

Deno.test("experiments are found or created by name; runs are created with tags", async () => {
  await withServer(async (server) => {
    const client = fastClient(server);
    const id = await client.ensureExperiment("batteryml");
    assert.equal(await client.ensureExperiment("batteryml"), id);
    assert.equal(server.calls("experiments/create").length, 1);
    const run = await client.createRun({
      experimentId: id,
      runName: "r1",
      startTime: 1000,
      userId: "u",
      tags: { a: "b" },
    });
    const stored = server.runs.get(run.runId)!;
    assert.deepEqual([stored.runName, stored.startTime, stored.tags.get("a")], ["r1", 1000, "b"]);
    assert.equal(run.artifactUri, `mlflow-artifacts:/${id}/${run.runId}/artifacts`);
  });
});

Deno.test("an oversized batch is split within the limits, not rejected", async () => {
  await withServer(async (server) => {
    const client = fastClient(server);
    const { runId } = await newRun(client);
    const batch: Batch = {
      metrics: Array.from({ length: 2500 }, (_, i) => ({ key: "loss", value: i, timestamp: 5, step: i })),
      params: Array.from({ length: 250 }, (_, i) => ({ key: `p${i}`, value: String(i) })),
      tags: Array.from({ length: 120 }, (_, i) => ({ key: `t${i}`, value: "x" })),
    };
    await client.logBatch(runId, batch);
    const run = server.runs.get(runId)!;
    assert.equal(run.metrics.length, 2500);
    assert.deepEqual(run.metrics.map((m) => m.step), batch.metrics.map((m) => m.step), "order kept");
    assert.equal(run.params.size, 250);
    assert.equal(run.tags.size, 121, "120 + mlflow.runName from runs/create");
    assert.ok(server.calls("runs/log-batch").length >= 3);
  });
});

Deno.test("the mock refuses a batch over the limits, as the real server does", async () => {
  await withServer(async (server) => {
    const client = fastClient(server);
    const { runId } = await newRun(client);
    const tooMany = Array.from({ length: 1001 }, (_, i) => ({ key: "m", value: 1, timestamp: 1, step: i }));
    await assert.rejects(
      () =>
        client.request({
          method: "POST",
          path: "/api/2.0/mlflow/runs/log-batch",
          json: { run_id: runId, metrics: tooMany },
        }),
      (e) => e instanceof MlflowRequestError && e.status === 400 && e.errorCode === "INVALID_PARAMETER_VALUE",
    );
  });
});

Deno.test("5xx and 429 are retried with back-off until success", async () => {
  await withServer(async (server) => {
    const client = fastClient(server);
    server.failures = [503, 500, 429];
    const id = await client.ensureExperiment("e");
    assert.equal(server.experiments.get("e")?.id, id);
    assert.equal(server.calls("experiments/get-by-name").length, 4, "three failures, then the real answer");
  });
});

Deno.test("a request that times out is retried", async () => {
  await withServer(async (server) => {
    const client = fastClient(server, 150);
    server.delays = [1000];
    const started = Date.now();
    await client.ensureExperiment("e");
    assert.ok(Date.now() - started < 900, "gave up on the slow answer instead of waiting for it");
    assert.equal(server.calls("experiments/get-by-name").length, 2);
  });
});

Deno.test("4xx errors are final: not retried", async () => {
  await withServer(async (server) => {
    const client = fastClient(server);
    const { runId } = await newRun(client);
    await client.logBatch(runId, { metrics: [], tags: [], params: [{ key: "lr", value: "1" }] });
    await assert.rejects(
      () => client.logBatch(runId, { metrics: [], tags: [], params: [{ key: "lr", value: "2" }] }),
      (e) => e instanceof MlflowRequestError && e.errorCode === "INVALID_PARAMETER_VALUE",
    );
    assert.equal(server.calls("runs/log-batch").length, 2);
  });
});

Deno.test("an unreachable server gives MlflowUnavailableError after the retries", async () => {
  const server = new MockMlflowServer();
  await server.start();
  await server.stop();
  const client = new MlflowRestClient({
    trackingUri: server.url,
    timeoutMs: 500,
    maxRetries: 2,
    backoffMs: 5,
  });
  await assert.rejects(() => client.ensureExperiment("e"), MlflowUnavailableError);
});

Deno.test("artifacts are uploaded through the artifact proxy; runs/update ends the run", async () => {
  await withServer(async (server) => {
    const client = fastClient(server);
    const run = await newRun(client);
    await client.uploadArtifact(run.artifactUri, "figures/a b.png", new TextEncoder().encode("png"));
    const key = [...server.artifacts.keys()][0];
    assert.equal(key, `${server.runs.get(run.runId)!.experimentId}/${run.runId}/artifacts/figures/a b.png`);
    await client.updateRun(run.runId, "FINISHED", 2000);
    assert.deepEqual([server.runs.get(run.runId)!.status, server.runs.get(run.runId)!.endTime], [
      "FINISHED",
      2000,
    ]);
    await assert.rejects(
      () => client.uploadArtifact("s3://bucket/x", "a", new Uint8Array(1)),
      /mlflow-artifacts/,
    );
  });
});
