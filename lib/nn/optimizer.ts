/**
 * Optimisers with state we own (so checkpoints can save and restore it exactly): SGD, Adam with L2
 * weight decay added to the gradient (torch.optim.Adam), and AdamW with decoupled weight decay
 * (Loshchilov & Hutter 2019; torch.optim.AdamW: p ← p·(1 − lr·wd) before the Adam step).
 */
import * as tf from "@tensorflow/tfjs";

/** Optimiser names of `training.optimizer`. */
export type OptimizerName = "adamw" | "adam" | "sgd";

/** Hyper-parameters other than the learning rate (which the schedule passes per step). */
export interface OptimizerSettings {
  name: OptimizerName;
  weightDecay: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
}

/** Optimiser state as plain arrays: the step count and per-parameter slot values (m, v for Adam). */
export interface OptimizerState {
  step: number;
  slots: Float32Array[];
}

/** Applies one update to the parameters in place. */
export interface Optimizer {
  readonly name: OptimizerName;
  /** One step with learning rate `lr`; `grads[i]` belongs to `params[i]`. */
  apply(params: readonly tf.Variable[], grads: readonly tf.Tensor[], lr: number): void;
  getState(): OptimizerState;
  setState(state: OptimizerState): void;
  dispose(): void;
}

/** Creates an optimiser for `params` (slots are allocated now, zero-filled). */
export function createOptimizer(params: readonly tf.Variable[], s: OptimizerSettings): Optimizer {
  return s.name === "sgd" ? new Sgd(s.weightDecay) : new Adam(params, s);
}

class Sgd implements Optimizer {
  readonly name = "sgd" as const;
  #step = 0;
  constructor(readonly weightDecay: number) {}
  apply(params: readonly tf.Variable[], grads: readonly tf.Tensor[], lr: number): void {
    this.#step++;
    tf.tidy(() => {
      params.forEach((p, i) => {
        const g = this.weightDecay > 0 ? tf.add(grads[i], tf.mul(p, this.weightDecay)) : grads[i];
        p.assign(tf.sub(p, tf.mul(g, lr)));
      });
    });
  }
  getState(): OptimizerState {
    return { step: this.#step, slots: [] };
  }
  setState(state: OptimizerState): void {
    this.#step = state.step;
  }
  dispose(): void {}
}

class Adam implements Optimizer {
  readonly name: OptimizerName;
  #step = 0;
  readonly #m: tf.Variable[];
  readonly #v: tf.Variable[];
  readonly #b1: number;
  readonly #b2: number;
  readonly #eps: number;
  readonly #wd: number;

  constructor(params: readonly tf.Variable[], s: OptimizerSettings) {
    this.name = s.name;
    this.#b1 = s.beta1 ?? 0.9;
    this.#b2 = s.beta2 ?? 0.999;
    this.#eps = s.epsilon ?? 1e-8;
    this.#wd = s.weightDecay;
    this.#m = params.map((p) => tf.variable(tf.zerosLike(p), false));
    this.#v = params.map((p) => tf.variable(tf.zerosLike(p), false));
  }

  apply(params: readonly tf.Variable[], grads: readonly tf.Tensor[], lr: number): void {
    this.#step++;
    const t = this.#step, b1 = this.#b1, b2 = this.#b2;
    // Bias corrections in float64 on the JS side: only the final per-element arithmetic is float32.
    const c1 = 1 - b1 ** t, c2 = 1 - b2 ** t;
    tf.tidy(() => {
      params.forEach((p, i) => {
        let g = grads[i];
        let base: tf.Tensor = p;
        if (this.name === "adam" && this.#wd > 0) g = tf.add(g, tf.mul(p, this.#wd));
        if (this.name === "adamw" && this.#wd > 0) base = tf.mul(p, 1 - lr * this.#wd);
        const m = tf.add(tf.mul(this.#m[i], b1), tf.mul(g, 1 - b1));
        const v = tf.add(tf.mul(this.#v[i], b2), tf.mul(tf.square(g), 1 - b2));
        this.#m[i].assign(m);
        this.#v[i].assign(v);
        const denom = tf.add(tf.sqrt(tf.div(v, c2)), this.#eps);
        p.assign(tf.sub(base, tf.mul(tf.div(tf.div(m, c1), denom), lr)));
      });
    });
  }

  getState(): OptimizerState {
    return { step: this.#step, slots: [...this.#m, ...this.#v].map((s) => s.dataSync() as Float32Array) };
  }

  setState(state: OptimizerState): void {
    const n = this.#m.length;
    if (state.slots.length !== 2 * n) {
      throw new RangeError(`optimizer state has ${state.slots.length} slots, expected ${2 * n}`);
    }
    this.#step = state.step;
    tf.tidy(() =>
      [...this.#m, ...this.#v].forEach((s, i) => s.assign(tf.tensor(state.slots[i], s.shape, "float32")))
    );
  }

  dispose(): void {
    [...this.#m, ...this.#v].forEach((s) => s.dispose());
  }
}
