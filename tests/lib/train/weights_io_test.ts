/**
 * Weights as values (lib/train/weights_io.ts): every parameter's values come back bit for bit into a
 * store built the same way, and a store of another shape or with other names is refused by name.
 */
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { wasmReady } from "./wasm_backend.ts";
import { ParamStore } from "../../../lib/train/param_store.ts";
import { assignWeights, weightsOf } from "../../../lib/train/weights_io.ts";

await wasmReady;

function store(shapes: Record<string, number[]>, fill: (i: number) => number): ParamStore {
  const s = new ParamStore();
  let k = 0;
  for (const [name, shape] of Object.entries(shapes)) {
    const size = shape.reduce((a, b) => a * b, 1);
    s.add(name, tf.variable(tf.tensor(Float32Array.from({ length: size }, () => fill(k++)), shape)));
  }
  return s;
}

Deno.test("weightsOf → assignWeights: values, −0 and subnormal floats come back bit for bit", async () => {
  const special = [-0, 1e-45, 3.4028234663852886e38, Math.fround(0.1)];
  const source = store({ w: [2, 3], b: [3] }, (i) => special[i % 4] * (i % 3 === 0 ? -1 : 1));
  const target = store({ w: [2, 3], b: [3] }, () => 7);
  const weights = await weightsOf(source);
  assert.deepEqual(weights.names, ["w", "b"]);
  assert.deepEqual(weights.shapes, [[2, 3], [3]]);
  assignWeights(target, weights, "test");
  for (const name of ["w", "b"]) {
    const a = new Uint32Array((source.get(name).dataSync() as Float32Array).buffer);
    const b = new Uint32Array((target.get(name).dataSync() as Float32Array).buffer);
    assert.deepEqual(Array.from(b), Array.from(a), name);
  }
  source.dispose();
  target.dispose();
});

Deno.test("assignWeights refuses other names and other shapes, naming them", async () => {
  const weights = await weightsOf(store({ w: [2, 3] }, () => 1));
  assert.throws(
    () => assignWeights(store({ v: [2, 3] }, () => 0), weights, "mlp"),
    /mlp: saved weights do not fit the model: missing \[v\], unexpected \[w\]/,
  );
  assert.throws(
    () => assignWeights(store({ w: [3, 2] }, () => 0), weights, "mlp"),
    /mlp: saved weight 'w' has shape \[2,3\] and 6 values, the model expects \[3,2\]/,
  );
});
