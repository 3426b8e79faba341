import { assert, assertEquals, assertThrows } from "./assert.ts";
import { binMatrix } from "../../../lib/gbdt/binning.ts";
import { recordBytes } from "../../../lib/gbdt/_histogram.ts";
import { LearnerWorkspace } from "../../../lib/gbdt/_workspace.ts";

Deno.test("workspace: regions are disjoint, cache-line aligned; row records and columns hold the matrix's bins", () => {
  const rows = 37, cols = 3;
  const values = Float64Array.from({ length: rows * cols }, (_, k) => (k * 7919) % 101);
  const data = binMatrix({ rows, cols, values }, 16);
  const ws = new LearnerWorkspace(data, 4);
  const views = [
    ws.records,
    ws.columnBins,
    ws.indices,
    ws.scratch,
    ws.gradients,
    ws.featureList,
    ws.chunk,
    ws.scanIo,
  ];
  const regions = [...views, ...ws.histograms.map((h) => h.sums)]
    .map((v) => [v.byteOffset, v.byteOffset + v.byteLength])
    .sort((a, b) => a[0] - b[0]);
  for (let k = 0; k < regions.length; k++) {
    assertEquals(regions[k][0] % 64, 0);
    if (k > 0) assert(regions[k - 1][1] <= regions[k][0], `region ${k} overlaps the one before`);
  }
  assert(regions[regions.length - 1][1] <= ws.memory.buffer.byteLength);
  assertEquals(ws.histograms[0].sums.length, 2 * data.binOffsets[cols]);
  assertEquals(Array.from(ws.columnBins), Array.from(data.bins));
  // Records of 16 bytes (3 bins padded to 8, then the gradient): bins first, the gradient once stored.
  assertEquals(recordBytes(cols), 16);
  ws.gradients.set(Float64Array.from({ length: rows }, (_, i) => i / 4 - 3));
  ws.storeGradients();
  const doubles = new Float64Array(ws.records.buffer, ws.records.byteOffset, 2 * rows);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < cols; j++) assertEquals(ws.records[16 * r + j], data.bins[j * rows + r]);
    assertEquals(doubles[2 * r + 1], r / 4 - 3);
  }
});

Deno.test("workspace: a matrix beyond WebAssembly's 4 GiB is refused, naming rows and features", () => {
  // Only the layout is computed before the size check, so a matrix that is never filled will do.
  const cols = 8;
  const huge = {
    rows: 2 ** 29,
    cols,
    features: [],
    bins: new Uint8Array(0),
    binCounts: new Int32Array(cols).fill(2),
    binOffsets: Int32Array.from({ length: cols + 1 }, (_, j) => 2 * j),
  };
  assertThrows(() => new LearnerWorkspace(huge, 31), /536870912 rows × 8 features need \d+ bytes/);
});
