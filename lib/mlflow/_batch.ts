/**
 * Splits a `runs/log-batch` payload into requests within the server's limits (1000 metrics, 100 params,
 * 100 tags, 1000 entries in all, 1 MB per request). A large batch is split, never rejected.
 */

/** A metric as sent on the wire: non-finite values are the strings protobuf's JSON mapping uses. */
export interface WireMetric {
  key: string;
  value: number | "NaN" | "Infinity" | "-Infinity";
  timestamp: number;
  step: number;
}

/** A key/value pair (params and tags). */
export interface KeyValue {
  key: string;
  value: string;
}

/** The lists of one `runs/log-batch` request (without `run_id`). */
export interface Batch {
  metrics: WireMetric[];
  params: KeyValue[];
  tags: KeyValue[];
}

/** Per-request limits of `runs/log-batch`. */
export interface BatchLimits {
  metrics: number;
  params: number;
  tags: number;
  total: number;
  bytes: number;
}

/** The limits MLflow's server enforces. */
export const LOG_BATCH_LIMITS: BatchLimits = {
  metrics: 1000,
  params: 100,
  tags: 100,
  total: 1000,
  bytes: 1_000_000,
};

/** Room left for `{"run_id": ..., "metrics": [], ...}` around the items. */
const ENVELOPE_BYTES = 200;

const utf8 = new TextEncoder();

/** Encodes a metric value for JSON: JSON has no NaN/Infinity, protobuf's JSON mapping uses strings. */
export function wireMetricValue(value: number): WireMetric["value"] {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "Infinity";
  if (value === -Infinity) return "-Infinity";
  return value;
}

/** Splits `batch` into batches that each respect `limits`, keeping the order within each list. */
export function splitBatch(batch: Batch, limits: BatchLimits = LOG_BATCH_LIMITS): Batch[] {
  const out: Batch[] = [];
  let current = emptyBatch();
  let count = 0;
  let bytes = ENVELOPE_BYTES;
  const add = (list: keyof Batch, item: WireMetric | KeyValue) => {
    const size = utf8.encode(JSON.stringify(item)).length + 1;
    const full = current[list].length >= limits[list] || count >= limits.total ||
      (count > 0 && bytes + size > limits.bytes);
    if (full) {
      out.push(current);
      current = emptyBatch();
      count = 0;
      bytes = ENVELOPE_BYTES;
    }
    (current[list] as (WireMetric | KeyValue)[]).push(item);
    count++;
    bytes += size;
  };
  // Params and tags first: a run's description lands before its (usually many) metrics.
  for (const p of batch.params) add("params", p);
  for (const t of batch.tags) add("tags", t);
  for (const m of batch.metrics) add("metrics", m);
  if (count > 0) out.push(current);
  return out;
}

function emptyBatch(): Batch {
  return { metrics: [], params: [], tags: [] };
}
