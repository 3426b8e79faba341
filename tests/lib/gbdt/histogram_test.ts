import { assert, assertEquals } from "./assert.ts";
import { binMatrix, type BinnedMatrix } from "../../../lib/gbdt/binning.ts";
import { CHUNK_ROWS, HistogramKernel } from "../../../lib/gbdt/_histogram.ts";
import { seededUniform } from "../../../lib/random/mod.ts";
import { LearnerWorkspace } from "../../../lib/gbdt/_workspace.ts";

/** 300 rows × 5 features with NaN (so NaN bins exist), 16 bins; gradients are float32 like the objectives'. */
function fixture(exactGradients = false, rows = 300, cols = 5) {
  const random = seededUniform(11);
  const values = Float64Array.from(
    { length: rows * cols },
    (_, k) => (k % 7 === 3 ? NaN : Math.round(random() * 40)),
  );
  const data = binMatrix({ rows, cols, values }, 16);
  // Exact gradients: multiples of 2⁻²⁰ below 1 in magnitude, so every partial sum of ≤ 300 of them is a
  // multiple of 2⁻²⁰ below 2⁹ — exactly representable in a double, whatever the order of additions.
  const grad = Float64Array.from(
    { length: rows },
    () => exactGradients ? Math.round((random() - 0.5) * 2 ** 20) / 2 ** 20 : Math.fround(random() - 0.5),
  );
  return { data, grad };
}

/** A workspace whose index array holds `rows` from position 0 and whose gradients are `grad`. */
function workspaceWith(data: BinnedMatrix, grad: Float64Array, rows: Int32Array) {
  const ws = new LearnerWorkspace(data, 3);
  ws.gradients.set(grad);
  ws.storeGradients();
  ws.indices.set(rows);
  return { ws, kernel: new HistogramKernel(ws, data) };
}

/** Per-bin gradient sums and counts, added row by row in the given order (the reference). */
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

const everyThirdSkipped = (n: number) =>
  Int32Array.from({ length: n }, (_, i) => i).filter((i) => i % 3 !== 0);

Deno.test("histogram: the kernel's sums equal per-bin sums added in leaf order, bit for bit", () => {
  const { data, grad } = fixture();
  // Rows in a scrambled order: the kernel must add them in exactly this order.
  const rows = everyThirdSkipped(data.rows).reverse();
  const { ws, kernel } = workspaceWith(data, grad, rows);
  kernel.selectFeatures(Int32Array.of(0, 1, 2, 3, 4));
  kernel.build(ws.histograms[1], 0, rows.length);
  assertEquals(Array.from(ws.histograms[1].sums), Array.from(bruteForce(data, grad, rows, [0, 1, 2, 3, 4])));
});

Deno.test("histogram: leaves longer than a gather chunk, and 23 features (32-byte records), sum exactly", () => {
  const { data, grad } = fixture(false, 2 * CHUNK_ROWS + 555, 23);
  const rows = everyThirdSkipped(data.rows).reverse();
  const all = Array.from({ length: 23 }, (_, j) => j);
  const { ws, kernel } = workspaceWith(data, grad, rows);
  kernel.selectFeatures(Int32Array.from(all));
  for (const count of [CHUNK_ROWS - 1, CHUNK_ROWS, CHUNK_ROWS + 1, rows.length]) {
    kernel.build(ws.histograms[2], 0, count);
    assertEquals(
      Array.from(ws.histograms[2].sums),
      Array.from(bruteForce(data, grad, rows.subarray(0, count), all)),
    );
  }
});

Deno.test("histogram: a build starts from zero and reads the leaf's range of the index array", () => {
  const { data, grad } = fixture();
  const rows = everyThirdSkipped(data.rows);
  const { ws, kernel } = workspaceWith(data, grad, rows);
  kernel.selectFeatures(Int32Array.of(0, 1, 2, 3, 4));
  ws.histograms[0].sums.fill(7);
  kernel.build(ws.histograms[0], 10, 50);
  const expected = bruteForce(data, grad, rows.subarray(10, 60), [0, 1, 2, 3, 4]);
  assertEquals(Array.from(ws.histograms[0].sums), Array.from(expected));
  // An empty leaf gives an all-zero histogram.
  kernel.build(ws.histograms[0], 0, 0);
  assert(ws.histograms[0].sums.every((v) => v === 0));
});

Deno.test("histogram: a feature sample fills exactly its features, as the all-features kernel does", () => {
  const { data, grad } = fixture();
  const rows = everyThirdSkipped(data.rows);
  const { ws, kernel } = workspaceWith(data, grad, rows);
  kernel.selectFeatures(Int32Array.of(4, 1, 2));
  kernel.build(ws.histograms[0], 0, rows.length);
  assertEquals(Array.from(ws.histograms[0].sums), Array.from(bruteForce(data, grad, rows, [1, 2, 4])));
  // Selecting all features again switches back to the unrolled kernel.
  kernel.selectFeatures(Int32Array.of(0, 1, 2, 3, 4));
  kernel.build(ws.histograms[1], 0, rows.length);
  assertEquals(Array.from(ws.histograms[1].sums), Array.from(bruteForce(data, grad, rows, [0, 1, 2, 3, 4])));
});

Deno.test("histogram: parent − smaller child equals the larger child built directly, bit for bit", () => {
  const { data, grad } = fixture(true);
  const all = Int32Array.from({ length: data.rows }, (_, i) => i);
  const small = all.filter((i) => i % 4 === 1), large = all.filter((i) => i % 4 !== 1);
  // Index array: the smaller child's rows, then the larger child's (as a partition leaves them).
  const { ws, kernel } = workspaceWith(data, grad, Int32Array.from([...small, ...large]));
  kernel.selectFeatures(Int32Array.of(0, 1, 2, 3, 4));
  const [parent, smaller, direct] = ws.histograms;
  kernel.build(parent, 0, data.rows);
  kernel.build(smaller, 0, small.length);
  kernel.build(direct, small.length, large.length);
  kernel.subtract(parent, smaller);
  assertEquals(Array.from(parent.sums), Array.from(direct.sums));
});
