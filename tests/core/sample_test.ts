import assert from "node:assert/strict";
import {
  batchIndices,
  concatSampleSets,
  createSampleSet,
  indicesOfCells,
  padSequences,
  sampleAt,
  SampleSetError,
  selectSamples,
} from "../../core/sample.ts";

const meta = (n: number) => ({
  cellKey: Array.from({ length: n }, (_, i) => `x/${i}`),
  chamberC: new Float64Array(n).fill(25),
});

Deno.test("shape disagreements name the array and the expected length", () => {
  const base = { featureNames: ["a", "b"], targetNames: ["soh"], meta: meta(3) };
  assert.throws(
    () => createSampleSet({ ...base, x: new Float32Array(5), y: new Float32Array(3) }),
    (e: Error) => e instanceof SampleSetError && /x has length 5, expected N·T·F = 3·1·2 = 6/.test(e.message),
  );
  assert.throws(
    () => createSampleSet({ ...base, x: new Float32Array(6), y: new Float32Array(2) }),
    /y has length 2/,
  );
  assert.throws(
    () =>
      createSampleSet({ ...base, featureNames: ["a", "a"], x: new Float32Array(6), y: new Float32Array(3) }),
    /featureNames lists 'a' twice/,
  );
});

Deno.test("non-finite values: features refused unless missing values are allowed; observed targets must be finite", () => {
  const base = { featureNames: ["a"], targetNames: ["soh"], meta: meta(2) };
  const x = Float32Array.of(1, NaN);
  assert.throws(
    () => createSampleSet({ ...base, x, y: Float32Array.of(1, 1) }),
    /feature 'a' is NaN at sample 1 \(cell x\/1\)/,
  );
  assert.equal(
    createSampleSet({ ...base, x, y: Float32Array.of(1, 1) }, { allowMissingFeatures: true }).n,
    2,
  );
  assert.throws(
    () =>
      createSampleSet({ ...base, x: Float32Array.of(1, Infinity), y: Float32Array.of(1, 1) }, {
        allowMissingFeatures: true,
      }),
    /Infinity/,
  );
  // A NaN target is masked out by default (missing, never zero-filled) …
  const s = createSampleSet({ ...base, x: Float32Array.of(1, 2), y: Float32Array.of(1, NaN) });
  assert.deepEqual([...s.yMask], [1, 0]);
  // … but an explicit mask claiming it observed is an error.
  assert.throws(
    () =>
      createSampleSet({
        ...base,
        x: Float32Array.of(1, 2),
        y: Float32Array.of(1, NaN),
        yMask: Uint8Array.of(1, 1),
      }),
    /marked observed/,
  );
});

Deno.test("padding: ragged sequences get lengths, masks and -1 rpt on padding", () => {
  const set = padSequences(
    [
      { cellKey: "a/1", chamberC: 10, x: [1, 2, 3], y: [1, 0.99, NaN], t: [0, 10, 20], rpt: [0, 1, 2] },
      { cellKey: "a/2", chamberC: 40, x: [5], y: [1], t: [0], rpt: [0] },
    ],
    ["f"],
    ["soh"],
  );
  assert.equal(set.steps, 3);
  assert.deepEqual([...set.lengths], [3, 1]);
  assert.deepEqual([...set.yMask], [1, 1, 0, 1, 0, 0]);
  assert.deepEqual([...set.meta.rpt], [0, 1, 2, 0, -1, -1]);
  const s1 = sampleAt(set, 1);
  assert.equal(s1.cellKey, "a/2");
  assert.deepEqual([...s1.x], [5, 0, 0]);
  const truncated = padSequences(
    [{ cellKey: "a/1", chamberC: 10, x: [1, 2, 3], y: [1, 1, 1], t: [0, 1, 2], rpt: [0, 1, 2] }],
    ["f"],
    ["soh"],
    2,
  );
  assert.equal(truncated.steps, 2);
});

Deno.test("select, concat, cells and batches keep rows aligned", () => {
  const set = createSampleSet({
    featureNames: ["a"],
    targetNames: ["soh"],
    x: Float32Array.of(0, 1, 2, 3),
    y: Float32Array.of(10, 11, 12, 13),
    meta: { cellKey: ["c/1", "c/2", "c/1", "c/3"], chamberC: Float64Array.of(10, 25, 10, 40) },
  });
  const picked = selectSamples(set, indicesOfCells(set, ["c/1"]));
  assert.deepEqual([...picked.x], [0, 2]);
  assert.deepEqual([...picked.y], [10, 12]);
  const both = concatSampleSets([picked, selectSamples(set, [3])]);
  assert.deepEqual(both.meta.cellKey, ["c/1", "c/1", "c/3"]);
  assert.deepEqual([...both.meta.chamberC], [10, 10, 40]);
  assert.deepEqual(batchIndices(5, 2), [[0, 1], [2, 3], [4]]);
  const shuffled = batchIndices(5, 2, (a) => [...a].reverse());
  assert.deepEqual(shuffled, [[4, 3], [2, 1], [0]]);
});
