/**
 * Histogram threads (lib/gbdt/_histogram_threads.ts): builds split by feature blocks across Workers must
 * give the same sums as one thread adding the leaf's rows in order — checked bit for bit against a
 * brute-force reference — and training with any thread count must give identical trees and predictions.
 */
import { assert, assertEquals, assertThrows } from "./assert.ts";
import { binMatrix, type BinnedMatrix } from "../../../lib/gbdt/binning.ts";
import { featureBlocks, HistogramKernel, PARALLEL_MIN_ROWS } from "../../../lib/gbdt/_histogram.ts";
import { HistogramThreads } from "../../../lib/gbdt/_histogram_threads.ts";
import { LearnerWorkspace } from "../../../lib/gbdt/_workspace.ts";
import { boosterToJson, trainGbdt, trainGbdtInterruptible } from "../../../lib/gbdt/mod.ts";
import { seededUniform } from "../../../lib/random/mod.ts";
import { friedman } from "./fixtures.ts";

/** `rows` × `cols` with NaN in every 7th value (NaN bins) and 32 bins; float32 gradients. */
function fixture(rows: number, cols: number) {
  const random = seededUniform(5);
  const values = Float64Array.from(
    { length: rows * cols },
    (_, k) => (k % 7 === 3 ? NaN : Math.round(random() * 90)),
  );
  const data = binMatrix({ rows, cols, values }, 32);
  const grad = Float64Array.from({ length: rows }, () => Math.fround(random() - 0.5));
  return { data, grad };
}

/** Per-bin sums added row by row in leaf order (the single-thread kernel's order). */
function bruteForce(data: BinnedMatrix, grad: Float64Array, rows: Int32Array, features: number[]) {
  const sums = new Float64Array(2 * data.binOffsets[data.cols]);
  for (const r of rows) {
    for (const j of features) {
      const slot = data.binOffsets[j] + data.bins[j * data.rows + r];
      sums[2 * slot] += grad[r];
      sums[2 * slot + 1] += 1;
    }
  }
  return sums;
}

Deno.test("featureBlocks: contiguous, covering, as even as possible, never more blocks than features", () => {
  assertEquals(featureBlocks(20, 2), [[0, 10], [10, 20]]);
  assertEquals(featureBlocks(7, 3), [[0, 3], [3, 5], [5, 7]]);
  assertEquals(featureBlocks(2, 4), [[0, 1], [1, 2]]);
  assertEquals(featureBlocks(1, 2), [[0, 1]]);
});

Deno.test("histogram threads: builds by feature blocks equal in-order sums bit for bit (all and some features)", async () => {
  const { data, grad } = fixture(3 * PARALLEL_MIN_ROWS + 77, 7);
  // A scrambled leaf larger than PARALLEL_MIN_ROWS (so the helpers take part) and a small one (they do not).
  const rows = Int32Array.from({ length: data.rows }, (_, i) => i).filter((i) => i % 5 !== 0).reverse();
  for (const threadCount of [2, 3]) {
    const threads = await HistogramThreads.start(threadCount - 1);
    try {
      const ws = new LearnerWorkspace(data, 2, threads);
      assert(ws.threads !== undefined, "helpers attached");
      ws.gradients.set(grad);
      ws.storeGradients();
      ws.indices.set(rows);
      const kernel = new HistogramKernel(ws, data);
      for (const features of [[0, 1, 2, 3, 4, 5, 6], [6, 1, 4, 2, 0]]) {
        kernel.selectFeatures(Int32Array.from(features));
        for (const count of [rows.length, PARALLEL_MIN_ROWS, 100]) {
          ws.histograms[1].sums.fill(3); // a build must start from zero on every thread's slots
          kernel.build(ws.histograms[1], 0, count);
          assertEquals(
            Array.from(ws.histograms[1].sums),
            Array.from(bruteForce(data, grad, rows.subarray(0, count), features)),
            `${threadCount} threads, features ${features}, ${count} rows`,
          );
        }
      }
    } finally {
      threads.close();
    }
  }
});

Deno.test("gbdt threads: 1, 2 and 3 threads grow identical trees and predictions (bagging, feature sampling)", async () => {
  const train = friedman(3 * PARALLEL_MIN_ROWS, 21, 9);
  const test = friedman(500, 22, 9);
  for (
    const params of [
      { num_iterations: 12, num_leaves: 15, learning_rate: 0.2 },
      { num_iterations: 8, num_leaves: 31, feature_fraction: 0.7, bagging_fraction: 0.8, bagging_freq: 1 },
    ]
  ) {
    const models = [];
    for (const threads of [1, 2, 3]) {
      const booster = await trainGbdtInterruptible(train, params, { threads, random: seededUniform(4) });
      models.push({ json: JSON.stringify(boosterToJson(booster)), pred: booster.predict(test.x) });
    }
    // The reference is the one-thread trainer; its trees split on every feature, so all blocks matter.
    assert(models[0].json.length > 1000, "a non-trivial model");
    for (const m of models.slice(1)) {
      assertEquals(m.json, models[0].json);
      assertEquals(Array.from(m.pred), Array.from(models[0].pred));
    }
  }
});

Deno.test("gbdt threads: bad counts and the synchronous trainer are refused with the reason", async () => {
  const train = friedman(200, 1, 5);
  assertThrows(() => trainGbdt(train, {}, { threads: 2 }), /needs trainGbdtInterruptible/);
  let message = "";
  await trainGbdtInterruptible(train, {}, { threads: 0 }).catch((e) => message = (e as Error).message);
  assert(message.includes("threads = 0: expected an integer ≥ 1"), message);
});

Deno.test("a helper thread's failure reaches the caller with the helper's own error message", async () => {
  // An empty module attaches fine; its missing kernel makes the helper throw a TypeError on the first command.
  const empty = new WebAssembly.Module(new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]));
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
  const threads = await HistogramThreads.start(1);
  try {
    threads.attach(empty, memory, ["no_such_kernel"]);
    threads.dispatch(0, 0, [1, 2]);
    assertThrows(() => threads.finish(1), /gbdt: histogram thread 1 failed: TypeError: .*not a function/);
  } finally {
    threads.close();
  }
});

Deno.test("claim: of the helper and the caller exactly one takes a command; a command already taken stays taken", async () => {
  const { claim } = await import("../../../lib/gbdt/_histogram_threads.ts");
  const control = new Int32Array(new SharedArrayBuffer(8));
  assert(claim(control, 1, 1), "the first claimant of command 1 takes it");
  assert(!claim(control, 1, 1), "the second claimant of command 1 does not");
  assert(!claim(control, 1, 0), "an older command is not taken again");
  assert(claim(control, 1, 3), "a later command can be taken (counters may skip a helper)");
  assertEquals(Array.from(control), [0, 3]);
});
