import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { wasmReady } from "../train/wasm_backend.ts";
import { gradientCheck } from "./gradient_check.ts";

await wasmReady;

Deno.test("the gradient check passes a correct gradient and catches one that is 10 % off", async () => {
  const w = tf.variable(tf.tensor1d([0.3, -0.7, 1.1]));
  const loss = (scale: number) => {
    const f = tf.customGrad(
      ((x: tf.Tensor, save: (t: tf.Tensor[]) => void) => {
        save([x]);
        return {
          value: tf.sum(tf.sin(x)),
          gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.mul(tf.mul(dy, tf.cos(saved[0])), scale),
        };
      }) as unknown as Parameters<typeof tf.customGrad>[0],
    );
    return () => f(w) as tf.Scalar;
  };
  assert.ok(await gradientCheck([w], loss(1), { samples: 3 }) < 2e-2);
  assert.ok(await gradientCheck([w], loss(1.1), { samples: 3 }) > 5e-2);
});
