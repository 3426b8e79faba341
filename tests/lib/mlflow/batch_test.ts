import assert from "node:assert/strict";
import { type Batch, LOG_BATCH_LIMITS, splitBatch, wireMetricValue } from "../../../lib/mlflow/_batch.ts";

function bigBatch(metrics: number, params: number, tags: number): Batch {
  return {
    metrics: Array.from({ length: metrics }, (_, i) => ({ key: "m", value: i, timestamp: 1, step: i })),
    params: Array.from({ length: params }, (_, i) => ({ key: `p${i}`, value: "v" })),
    tags: Array.from({ length: tags }, (_, i) => ({ key: `t${i}`, value: "v" })),
  };
}

Deno.test("splitBatch keeps every part within each limit and loses nothing", () => {
  const batch = bigBatch(2345, 250, 130);
  const parts = splitBatch(batch);
  for (const p of parts) {
    assert.ok(p.metrics.length <= LOG_BATCH_LIMITS.metrics);
    assert.ok(p.params.length <= LOG_BATCH_LIMITS.params);
    assert.ok(p.tags.length <= LOG_BATCH_LIMITS.tags);
    assert.ok(p.metrics.length + p.params.length + p.tags.length <= LOG_BATCH_LIMITS.total);
  }
  assert.deepEqual(parts.flatMap((p) => p.metrics), batch.metrics);
  assert.deepEqual(parts.flatMap((p) => p.params), batch.params);
  assert.deepEqual(parts.flatMap((p) => p.tags), batch.tags);
  // 2725 entries need at least 3 requests; params alone need 3 (100 per request).
  assert.ok(parts.length >= 3);
});

Deno.test("splitBatch respects the byte limit and returns nothing for an empty batch", () => {
  const long = "v".repeat(400);
  const batch = {
    metrics: [],
    tags: [],
    params: Array.from({ length: 20 }, (_, i) => ({ key: `p${i}`, value: long })),
  };
  const parts = splitBatch(batch, { ...LOG_BATCH_LIMITS, bytes: 2000 });
  for (const p of parts) assert.ok(JSON.stringify(p).length <= 2000);
  assert.equal(parts.flatMap((p) => p.params).length, 20);
  assert.deepEqual(splitBatch(bigBatch(0, 0, 0)), []);
});

Deno.test("non-finite metric values use protobuf JSON's strings", () => {
  assert.deepEqual([NaN, Infinity, -Infinity, 1.5].map(wireMetricValue), [
    "NaN",
    "Infinity",
    "-Infinity",
    1.5,
  ]);
});
