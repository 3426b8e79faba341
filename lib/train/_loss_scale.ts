/**
 * Dynamic loss scaling for mixed-precision training, with PyTorch's GradScaler rule (torch.cuda.amp): the
 * loss is multiplied by S before the backward pass so that small gradients stay above float16's underflow
 * (6e-8), the gradients are divided by S again (S is a power of two: both are exact), and a step whose
 * gradients are not all finite (a float16 overflow) is skipped and halves S (backoff); after `growthInterval`
 * finite steps in a row S doubles (growth).
 *
 * Everything lives on the device: S and the run of finite steps are variables updated with `where`, so a
 * step reads nothing back; the trainer reads S and the skip flags with the epoch's other numbers.
 */
import * as tf from "@tensorflow/tfjs";

/** The scaler's settings (training.loss_scale_*; defaults in lib/training_settings.ts). */
export interface LossScaleSettings {
  init: number;
  growthFactor: number;
  backoffFactor: number;
  growthInterval: number;
}

/** The scaler's state as numbers (for checkpoints). */
export interface LossScaleState {
  scale: number;
  goodSteps: number;
}

/** S and its update rule on the device; see the module comment. */
export class DynamicLossScale {
  readonly scale: tf.Variable;
  readonly #goodSteps: tf.Variable;

  constructor(readonly settings: LossScaleSettings, state?: LossScaleState) {
    this.scale = tf.variable(tf.scalar(state?.scale ?? settings.init), false);
    this.#goodSteps = tf.variable(tf.scalar(state?.goodSteps ?? 0), false);
  }

  /** loss × S (on the tape: its gradients come out multiplied by S). */
  scaled(loss: tf.Scalar): tf.Scalar {
    return tf.mul(loss, this.scale);
  }

  /** Gradients ÷ S (new tensors; the caller disposes both lists). */
  unscale(grads: readonly tf.Tensor[]): tf.Tensor[] {
    return tf.tidy(() => grads.map((g) => tf.div(g, this.scale)));
  }

  /**
   * After a step: `finite` (a boolean scalar) false halves S and restarts the run of good steps; true counts
   * the step and, at `growthInterval` in a row, multiplies S by the growth factor (if that stays finite).
   */
  update(finite: tf.Scalar): void {
    const s = this.settings;
    tf.tidy(() => {
      const good = tf.where(finite, tf.add(this.#goodSteps, 1), tf.scalar(0));
      const grow = tf.greaterEqual(good, s.growthInterval);
      const grown = tf.mul(this.scale, s.growthFactor);
      const next = tf.where(
        finite,
        tf.where(tf.logicalAnd(grow, tf.isFinite(grown)), grown, this.scale),
        tf.mul(this.scale, s.backoffFactor),
      );
      this.scale.assign(next);
      this.#goodSteps.assign(tf.where(grow, tf.scalar(0), good));
    });
  }

  /** S and the run of good steps, as tensors to read with others (the caller reads, not disposes). */
  stateTensors(): [tf.Variable, tf.Variable] {
    return [this.scale, this.#goodSteps];
  }

  dispose(): void {
    this.scale.dispose();
    this.#goodSteps.dispose();
  }
}
