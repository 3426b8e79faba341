/**
 * Optimisers with state we own (so checkpoints can save and restore it exactly): SGD, Adam with L2
 * weight decay added to the gradient (torch.optim.Adam), and AdamW with decoupled weight decay
 * (Loshchilov & Hutter 2019; torch.optim.AdamW: p ← p·(1 − lr·wd) before the Adam step). A step can be
 * gated by a boolean on the device (mixed precision skips a step whose gradients overflowed without reading
 * the flag back): where it is false, parameters, moments and the step count stay as they were.
 */
import * as tf from "@tensorflow/tfjs";
import { readAll } from "./readback.ts";

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
  /**
   * One step with learning rate `lr`; `grads[i]` belongs to `params[i]`. Resolves once the parameters
   * hold their new values (the host path reads the gradients back asynchronously first). With `applied` (a
   * boolean scalar) the step only takes effect where it is true; an optimizer gets it on every step or never.
   */
  apply(
    params: readonly tf.Variable[],
    grads: readonly tf.Tensor[],
    lr: number,
    applied?: tf.Scalar,
  ): Promise<void>;
  /** The state as plain arrays (read back asynchronously: one transfer for all slots on a GPU). */
  getState(): Promise<OptimizerState>;
  setState(state: OptimizerState): void;
  dispose(): void;
}

/** Creates an optimiser for `params` (slots are allocated now, zero-filled). */
export function createOptimizer(params: readonly tf.Variable[], s: OptimizerSettings): Optimizer {
  return s.name === "sgd" ? new Sgd(s.weightDecay) : new Adam(params, s);
}

/**
 * The step count t: a host number (Adam's bias corrections in float64, as always), or — for an optimizer
 * whose steps are gated on the device — a device variable advanced by each step's flag, since the host
 * cannot know whether a gated step counted without a read.
 */
class StepCount {
  #host = 0;

  /** The count on the host: exact for ungated steps; for gated ones, the count before the first. */
  get host(): number {
    return this.#host;
  }

  #device: tf.Variable | null = null;
  #ungated = false;

  /** An ungated step: t + 1 on the host. */
  next(): number {
    if (this.#device) throw new Error("optimizer: a step without its flag after gated steps");
    this.#ungated = true;
    return ++this.#host;
  }

  /** A gated step: t + applied on the device; returns t (the variable itself: do not dispose). */
  nextOnDevice(applied: tf.Scalar): tf.Variable {
    if (this.#ungated) throw new Error("optimizer: a gated step after steps without a flag");
    this.#device ??= tf.variable(tf.scalar(this.#host), false);
    const device = this.#device;
    tf.tidy(() => device.assign(tf.add(device, tf.cast(applied, "float32"))));
    return device;
  }

  async value(): Promise<number> {
    return this.#device ? (await this.#device.data())[0] : this.#host;
  }

  set(step: number): void {
    this.#host = step;
    const device = this.#device;
    if (device) tf.tidy(() => device.assign(tf.scalar(step)));
  }

  dispose(): void {
    this.#device?.dispose();
  }
}

class Sgd implements Optimizer {
  readonly name = "sgd" as const;
  readonly #step = new StepCount();
  constructor(readonly weightDecay: number) {}
  // deno-lint-ignore require-await
  async apply(
    params: readonly tf.Variable[],
    grads: readonly tf.Tensor[],
    lr: number,
    applied?: tf.Scalar,
  ): Promise<void> {
    if (applied) this.#step.nextOnDevice(applied);
    else this.#step.next();
    tf.tidy(() => {
      params.forEach((p, i) => {
        const g = this.weightDecay > 0 ? tf.add(grads[i], tf.mul(p, this.weightDecay)) : grads[i];
        const next = tf.sub(p, tf.mul(g, lr));
        p.assign(applied ? tf.where(applied, next, p) : next);
      });
    });
  }
  async getState(): Promise<OptimizerState> {
    return { step: await this.#step.value(), slots: [] };
  }
  setState(state: OptimizerState): void {
    this.#step.set(state.step);
  }
  dispose(): void {
    this.#step.dispose();
  }
}

/**
 * Adam / AdamW. On the CPU-side backends (wasm, cpu) the update is one pass over plain Float32Arrays per
 * parameter (read gradient and value, write the new value): the ~12 tfjs kernels per parameter tensor of
 * the tensor formulation cost ~15 µs each in engine overhead, ~3 ms per step for W4's 18 tensors
 * (docs/results.md, section 6). The moments then live in JS arrays. On GPU backends a read-back per step
 * would stall the device, so the update stays a sequence of tfjs kernels with the moments as variables.
 */
class Adam implements Optimizer {
  readonly name: OptimizerName;
  readonly #step = new StepCount();
  readonly #b1: number;
  readonly #b2: number;
  readonly #eps: number;
  readonly #wd: number;
  /** Moments m then v per parameter: Float32Arrays on the fused path, variables on the tensor path. */
  readonly #fused: { m: Float32Array[]; v: Float32Array[] } | null;
  readonly #tensors: { m: tf.Variable[]; v: tf.Variable[] } | null;
  /** Gated steps: the bias corrections 1 − β₁ᵗ and 1 − β₂ᵗ on the device (created at the first one). */
  #corrections: { c1: tf.Variable; c2: tf.Variable } | null = null;

  constructor(params: readonly tf.Variable[], s: OptimizerSettings) {
    this.name = s.name;
    this.#b1 = s.beta1 ?? 0.9;
    this.#b2 = s.beta2 ?? 0.999;
    this.#eps = s.epsilon ?? 1e-8;
    this.#wd = s.weightDecay;
    const backend = tf.getBackend();
    if (backend === "wasm" || backend === "cpu") {
      this.#fused = {
        m: params.map((p) => new Float32Array(p.size)),
        v: params.map((p) => new Float32Array(p.size)),
      };
      this.#tensors = null;
    } else {
      this.#fused = null;
      this.#tensors = {
        m: params.map((p) => tf.variable(tf.zerosLike(p), false)),
        v: params.map((p) => tf.variable(tf.zerosLike(p), false)),
      };
    }
  }

  async apply(
    params: readonly tf.Variable[],
    grads: readonly tf.Tensor[],
    lr: number,
    applied?: tf.Scalar,
  ): Promise<void> {
    // The host path reads per step anyway: a gated step that is off is simply not taken.
    if (applied && this.#fused && !(await applied.data())[0]) return;
    if (applied && !this.#fused) return this.#applyGated(this.#tensors!, params, grads, lr, applied);
    const t = this.#step.next(), b1 = this.#b1, b2 = this.#b2;
    // Bias corrections in float64 on the JS side.
    const c1 = 1 - b1 ** t, c2 = 1 - b2 ** t;
    if (this.#fused) await this.#applyFused(this.#fused, params, grads, lr, c1, c2);
    else this.#applyTensors(this.#tensors!, params, grads, lr, c1, c2);
  }

  async #applyFused(
    slots: { m: Float32Array[]; v: Float32Array[] },
    params: readonly tf.Variable[],
    grads: readonly tf.Tensor[],
    lr: number,
    c1: number,
    c2: number,
  ): Promise<void> {
    const b1 = this.#b1, b2 = this.#b2, eps = this.#eps;
    const l2 = this.name === "adam" ? this.#wd : 0;
    const keep = this.name === "adamw" && this.#wd > 0 ? 1 - lr * this.#wd : 1;
    const stepSize = lr / c1, rc2 = 1 / c2;
    // On wasm/cpu an asynchronous read returns the same array a synchronous one would, at no extra cost.
    const gs = await Promise.all(grads.map((g) => g.data() as Promise<Float32Array>));
    const olds = await Promise.all(params.map((p) => p.data() as Promise<Float32Array>));
    tf.tidy(() => {
      params.forEach((p, i) => {
        const g = gs[i], old = olds[i];
        const m = slots.m[i], v = slots.v[i], next = new Float32Array(old.length);
        for (let k = 0; k < next.length; k++) {
          const w = old[k], gk = g[k] + l2 * w;
          const mk = b1 * m[k] + (1 - b1) * gk, vk = b2 * v[k] + (1 - b2) * gk * gk;
          m[k] = mk;
          v[k] = vk;
          next[k] = w * keep - stepSize * mk / (Math.sqrt(vk * rc2) + eps);
        }
        p.assign(tf.tensor(next, p.shape, "float32"));
      });
    });
  }

  #applyTensors(
    slots: { m: tf.Variable[]; v: tf.Variable[] },
    params: readonly tf.Variable[],
    grads: readonly tf.Tensor[],
    lr: number,
    c1: number,
    c2: number,
  ): void {
    const b1 = this.#b1, b2 = this.#b2;
    tf.tidy(() => {
      params.forEach((p, i) => {
        let g = grads[i];
        let base: tf.Tensor = p;
        if (this.name === "adam" && this.#wd > 0) g = tf.add(g, tf.mul(p, this.#wd));
        if (this.name === "adamw" && this.#wd > 0) base = tf.mul(p, 1 - lr * this.#wd);
        const m = tf.add(tf.mul(slots.m[i], b1), tf.mul(g, 1 - b1));
        const v = tf.add(tf.mul(slots.v[i], b2), tf.mul(tf.square(g), 1 - b2));
        slots.m[i].assign(m);
        slots.v[i].assign(v);
        const denom = tf.add(tf.sqrt(tf.div(v, c2)), this.#eps);
        p.assign(tf.sub(base, tf.mul(tf.div(tf.div(m, c1), denom), lr)));
      });
    });
  }

  /**
   * The tensor update gated by `applied`, with the step count and bias corrections on the device; where
   * `applied` is false every value keeps its old one (`where` selects, so a non-finite gradient of a skipped
   * step reaches nothing). The corrections follow c ← (1 − β) + β·c, which float32 keeps to ~1e-7 relative
   * (1 − β^t from a float32 power would lose digits to cancellation: 1 − 0.999³ ≈ 0.003).
   */
  #applyGated(
    slots: { m: tf.Variable[]; v: tf.Variable[] },
    params: readonly tf.Variable[],
    grads: readonly tf.Tensor[],
    lr: number,
    applied: tf.Scalar,
  ): void {
    const b1 = this.#b1, b2 = this.#b2;
    this.#step.nextOnDevice(applied);
    const corrections = this.#corrections ??= this.#correctionsAt(this.#step.host);
    tf.tidy(() => {
      const advance = (c: tf.Variable, b: number) =>
        c.assign(tf.where(applied, tf.add(1 - b, tf.mul(c, b)), c));
      advance(corrections.c1, b1);
      advance(corrections.c2, b2);
      const { c1, c2 } = corrections;
      params.forEach((p, i) => {
        let g = grads[i];
        let base: tf.Tensor = p;
        if (this.name === "adam" && this.#wd > 0) g = tf.add(g, tf.mul(p, this.#wd));
        if (this.name === "adamw" && this.#wd > 0) base = tf.mul(p, 1 - lr * this.#wd);
        const m = tf.add(tf.mul(slots.m[i], b1), tf.mul(g, 1 - b1));
        const v = tf.add(tf.mul(slots.v[i], b2), tf.mul(tf.square(g), 1 - b2));
        const denom = tf.add(tf.sqrt(tf.div(v, c2)), this.#eps);
        const next = tf.sub(base, tf.mul(tf.div(tf.div(m, c1), denom), lr));
        slots.m[i].assign(tf.where(applied, m, slots.m[i]));
        slots.v[i].assign(tf.where(applied, v, slots.v[i]));
        p.assign(tf.where(applied, next, p));
      });
    });
  }

  /** The device's bias corrections after t gated steps, as device variables (see `correctionAfter`). */
  #correctionsAt(t: number): { c1: tf.Variable; c2: tf.Variable } {
    return {
      c1: tf.variable(tf.scalar(correctionAfter(t, this.#b1)), false),
      c2: tf.variable(tf.scalar(correctionAfter(t, this.#b2)), false),
    };
  }

  async getState(): Promise<OptimizerState> {
    const slots = this.#fused
      ? [...this.#fused.m, ...this.#fused.v].map((s) => s.slice())
      : await readAll([...this.#tensors!.m, ...this.#tensors!.v]);
    return { step: await this.#step.value(), slots };
  }

  setState(state: OptimizerState): void {
    const sizes = this.#fused
      ? [...this.#fused.m, ...this.#fused.v].map((s) => s.length)
      : [...this.#tensors!.m, ...this.#tensors!.v].map((s) => s.size);
    if (state.slots.length !== sizes.length) {
      throw new RangeError(`optimizer state has ${state.slots.length} slots, expected ${sizes.length}`);
    }
    state.slots.forEach((s, i) => {
      if (s.length !== sizes[i]) {
        throw new RangeError(`optimizer slot ${i} has ${s.length} values, expected ${sizes[i]}`);
      }
    });
    this.#step.set(state.step);
    if (this.#corrections) {
      const { c1, c2 } = this.#corrections;
      tf.tidy(() => {
        c1.assign(tf.scalar(correctionAfter(state.step, this.#b1)));
        c2.assign(tf.scalar(correctionAfter(state.step, this.#b2)));
      });
    }
    if (this.#fused) {
      [...this.#fused.m, ...this.#fused.v].forEach((s, i) => s.set(state.slots[i]));
    } else {
      const vars = [...this.#tensors!.m, ...this.#tensors!.v];
      tf.tidy(() => vars.forEach((s, i) => s.assign(tf.tensor(state.slots[i], s.shape, "float32"))));
    }
  }

  dispose(): void {
    if (this.#tensors) [...this.#tensors.m, ...this.#tensors.v].forEach((s) => s.dispose());
    if (this.#corrections) tf.dispose([this.#corrections.c1, this.#corrections.c2]);
    this.#step.dispose();
  }
}

/**
 * 1 − βᵗ as the gated path computes it on the device: t steps of c ← (1 − β) + β·c from 0 in float32
 * (separate multiply and add kernels, each correctly rounded), replayed here with Math.fround so that a
 * resumed run continues with exactly the value the uninterrupted one has.
 */
function correctionAfter(t: number, beta: number): number {
  const oneMinus = Math.fround(1 - beta), b = Math.fround(beta);
  let c = 0;
  for (let i = 0; i < t; i++) c = Math.fround(oneMinus + Math.fround(c * b));
  return c;
}
