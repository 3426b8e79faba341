import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "../../../../lib/train/mod.ts";
import {
  lstmCellModuleBytes,
  lstmCellWasm,
  setLstmCellWasm,
} from "../../../../lib/nn/kernels/lstm_cell_wasm.ts";
import { lstmSequence } from "../../../../lib/nn/kernels/lstm_sequence.ts";
import { SeededRandom } from "../../../../lib/random/mod.ts";

await selectBackend("wasm");

function randn(shape: number[], seed: number, scale: number): tf.Tensor {
  const rng = new SeededRandom(seed), n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Float32Array.from({ length: n }, () => (2 * rng.uniform() - 1) * scale), shape);
}

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.max(tf.abs(tf.sub(a, b))).dataSync()[0];
}

Deno.test("the emitted LSTM cell module validates for several hidden sizes", () => {
  for (const H of [4, 8, 64, 256]) assert.ok(WebAssembly.validate(lstmCellModuleBytes(H)), `H = ${H}`);
  assert.ok(lstmCellWasm(64) !== null, "WebAssembly SIMD is available under Deno");
  assert.equal(lstmCellWasm(6), null, "H not a multiple of 4 takes the JS loops");
});

Deno.test("the SIMD wasm LSTM cell equals the JS loops: values 1e-6, gradients 1e-5, masks, both directions", () => {
  // Init-like and larger weights (scale 2 saturates gates); a padding mask exercises the blends. Much larger
  // recurrent gains amplify float32 rounding differences of any implementation past these tolerances.
  for (
    const [T, B, I, H, scale] of [[7, 5, 3, 8, 0.5], [12, 4, 6, 64, 0.2], [12, 4, 6, 64, 0.5], [
      5,
      3,
      2,
      12,
      2,
    ]]
  ) {
    const x = randn([T, B, I], 1, 1), w = randn([I, 4 * H], 2, scale), u = randn([H, 4 * H], 3, scale);
    const b = randn([4 * H], 4, scale), dyW = randn([T, B, H], 5, 1);
    const mask = tf.tensor2d(
      Float32Array.from({ length: T * B }, (_, q) => (Math.floor(q / B) < T - (q % B) ? 1 : 0)),
      [T, B],
    );
    for (const reverse of [false, true]) {
      for (const m of [undefined, mask]) {
        const run = (useWasm: boolean) => {
          const was = setLstmCellWasm(useWasm);
          try {
            const f = (xx: tf.Tensor, ww: tf.Tensor, uu: tf.Tensor, bb: tf.Tensor) =>
              tf.sum(tf.mul(
                lstmSequence(
                  xx as tf.Tensor3D,
                  ww as tf.Tensor2D,
                  uu as tf.Tensor2D,
                  bb as tf.Tensor1D,
                  reverse,
                  m as tf.Tensor2D | undefined,
                ),
                dyW,
              ));
            const value = lstmSequence(
              x as tf.Tensor3D,
              w as tf.Tensor2D,
              u as tf.Tensor2D,
              b as tf.Tensor1D,
              reverse,
              m as tf.Tensor2D | undefined,
            );
            return { value, grads: tf.grads(f)([x, w, u, b]) };
          } finally {
            setLstmCellWasm(was);
          }
        };
        const simd = run(true), js = run(false);
        const what = `T${T} B${B} I${I} H${H} scale ${scale} reverse ${reverse} mask ${m !== undefined}`;
        assert.ok(maxAbsDiff(simd.value, js.value) < 1e-6, `values ${what}`);
        simd.grads.forEach((g, q) => assert.ok(maxAbsDiff(g, js.grads[q]) < 1e-5, `gradient ${q} ${what}`));
      }
    }
  }
});
