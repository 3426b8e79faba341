/**
 * Any tfjs function f(t, y, θ) as a differentiable field: evaluations run the ops, vector–Jacobian products
 * come from tfjs autodiff. Slow (engine overhead per op) but general; the reference the fused fields are
 * checked against.
 */
import * as tf from "@tensorflow/tfjs";
import type { DifferentiableField } from "./field.ts";

/** f(t, y: rows × width, params) → rows × width, built from tfjs ops. */
export type TensorDynamics = (t: number, y: tf.Tensor2D, params: readonly tf.Tensor[]) => tf.Tensor2D;

/** A field over rows × width states whose parameters are the given tensors' current values. */
export class TensorField implements DifferentiableField {
  readonly dim: number;
  readonly paramCount: number;
  constructor(
    readonly f: TensorDynamics,
    readonly rows: number,
    readonly width: number,
    readonly params: readonly tf.Tensor[],
  ) {
    this.dim = rows * width;
    this.paramCount = params.reduce((n, p) => n + p.size, 0);
  }

  eval(t: number, y: Float64Array, out: Float64Array): void {
    const v = tf.tidy(() => this.f(t, this.#state(y), this.params).dataSync());
    out.set(v);
  }

  vjp(
    t: number,
    y: Float64Array,
    a: Float64Array,
    dy: Float64Array | null,
    dParams: Float64Array | null,
  ): void {
    tf.tidy(() => {
      const cot = tf.tensor2d(Float32Array.from(a), [this.rows, this.width]);
      const grads = tf.grads((yt: tf.Tensor, ...ps: tf.Tensor[]) =>
        tf.sum(tf.mul(this.f(t, yt as tf.Tensor2D, ps), cot))
      )([this.#state(y), ...this.params]);
      if (dy) addInto(dy, grads[0].dataSync());
      if (dParams) {
        let at = 0;
        for (const g of grads.slice(1)) {
          addInto(dParams.subarray(at, at + g.size), g.dataSync());
          at += g.size;
        }
      }
    });
  }

  #state(y: Float64Array): tf.Tensor2D {
    return tf.tensor2d(Float32Array.from(y), [this.rows, this.width]);
  }
}

function addInto(target: Float64Array, v: ArrayLike<number>): void {
  for (let i = 0; i < target.length; i++) target[i] += v[i];
}
