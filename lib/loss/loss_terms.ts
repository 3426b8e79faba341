/**
 * Loss numerics on tfjs tensors shaped (B, K) or (B, T, K), with an optional 0/1 mask of the same shape
 * (masked entries never count, whatever value they hold) and, for sequences, step times t (B, T) that may
 * be unevenly spaced. Every reduction divides by the count of what counted, floored at 1, so an all-masked
 * batch gives 0, never NaN.
 */
import * as tf from "@tensorflow/tfjs";
import type { Direction } from "../sequence/mod.ts";

/** Per-element error kinds. */
export type ElementLoss =
  | { kind: "mse" }
  | { kind: "mae" }
  | { kind: "huber"; delta: number }
  | { kind: "mape"; epsilon: number };

/** Per-element loss of the prediction error (not reduced). */
export function elementLoss(yTrue: tf.Tensor, yPred: tf.Tensor, loss: ElementLoss): tf.Tensor {
  return tf.tidy(() => {
    const err = tf.sub(yPred, yTrue);
    switch (loss.kind) {
      case "mse":
        return tf.square(err);
      case "mae":
        return tf.abs(err);
      case "huber": {
        // torch.nn.HuberLoss: ½e² inside |e| ≤ δ, δ(|e| − ½δ) outside, written as ½q² + δ(|e| − q) with
        // q = min(|e|, δ): no comparison op, which tfjs cannot differentiate through.
        const a = tf.abs(err);
        const q = tf.minimum(a, loss.delta);
        return tf.add(tf.mul(tf.square(q), 0.5), tf.mul(tf.sub(a, q), loss.delta));
      }
      case "mape":
        // A fraction (not percent), as sklearn's mean_absolute_percentage_error; |y| floored at ε.
        return tf.div(tf.abs(err), tf.maximum(tf.abs(yTrue), loss.epsilon));
    }
  });
}

/** Mean of `values` over the entries where `mask` is 1 (all entries without a mask). */
export function maskedMean(values: tf.Tensor, mask?: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    if (!mask) return tf.mean(values) as tf.Scalar;
    const on = tf.greater(mask, 0);
    // where() rather than a product: a masked entry may hold NaN (a missing target), and NaN·0 is NaN.
    const kept = tf.where(on, values, tf.zerosLike(values));
    return tf.div(tf.sum(kept), tf.maximum(tf.sum(tf.cast(on, "float32")), 1)) as tf.Scalar;
  });
}

/**
 * Replaces masked-out targets by 0 before any arithmetic: a NaN there would turn the backward pass into
 * NaN even though the forward value is masked (the gradient of e² at NaN times a zero mask is NaN).
 */
export function safeTargets(yTrue: tf.Tensor, mask?: tf.Tensor): tf.Tensor {
  if (!mask) return yTrue;
  return tf.tidy(() => tf.where(tf.greater(mask, 0), yTrue, tf.zerosLike(yTrue)));
}

/**
 * Monotonicity penalty: mean over valid consecutive pairs of relu(±Δŷ)², the sign per target from its
 * direction ("none" targets and pairs with a masked step are excluded). Zero for (B, K) inputs.
 */
export function monotonicPenalty(
  yPred: tf.Tensor,
  directions: readonly Direction[],
  mask?: tf.Tensor,
): tf.Scalar {
  if (yPred.rank !== 3 || yPred.shape[1]! < 2) return tf.scalar(0);
  return tf.tidy(() => {
    const [b, t, k] = yPred.shape as [number, number, number];
    const diff = tf.sub(tf.slice(yPred, [0, 1, 0], [b, t - 1, k]), tf.slice(yPred, [0, 0, 0], [b, t - 1, k]));
    // sign +1: a rise is a violation (non-increasing); −1: a fall is (non-decreasing); 0: no constraint.
    const sign = tf.tensor1d(
      directions.map((d) => (d === "non_increasing" ? 1 : d === "non_decreasing" ? -1 : 0)),
    );
    const violation = tf.square(tf.relu(tf.mul(diff, sign)));
    const valid = tf.mul(pairMask(mask, b, t, k), tf.abs(sign));
    return weightedMean(violation, valid);
  });
}

/**
 * Smoothness penalty: mean over valid triples of the squared second derivative on an uneven grid,
 * 2·(s₂ − s₁)/(Δt₁ + Δt₂) with slopes s = Δŷ/Δt — the actual step times, not the step index. Triples
 * with a masked step or a non-positive Δt are excluded. Without t the steps are 1 apart. Zero for (B, K).
 */
export function smoothnessPenalty(yPred: tf.Tensor, t?: tf.Tensor, mask?: tf.Tensor): tf.Scalar {
  if (yPred.rank !== 3 || yPred.shape[1]! < 3) return tf.scalar(0);
  return tf.tidy(() => {
    const [b, T, k] = yPred.shape as [number, number, number];
    const times = t
      ? tf.reshape(t, [b, T, 1])
      : tf.reshape(tf.range(0, T, 1, "float32"), [1, T, 1]).tile([b, 1, 1]);
    const dt = tf.sub(tf.slice(times, [0, 1, 0], [b, T - 1, 1]), tf.slice(times, [0, 0, 0], [b, T - 1, 1]));
    const dtOk = tf.cast(tf.greater(dt, 0), "float32");
    const safeDt = tf.where(tf.greater(dt, 0), dt, tf.onesLike(dt));
    const dy = tf.sub(tf.slice(yPred, [0, 1, 0], [b, T - 1, k]), tf.slice(yPred, [0, 0, 0], [b, T - 1, k]));
    const slope = tf.div(dy, safeDt);
    const s1 = tf.slice(slope, [0, 0, 0], [b, T - 2, k]), s2 = tf.slice(slope, [0, 1, 0], [b, T - 2, k]);
    const span = tf.add(
      tf.slice(safeDt, [0, 0, 0], [b, T - 2, 1]),
      tf.slice(safeDt, [0, 1, 0], [b, T - 2, 1]),
    );
    const second = tf.div(tf.mul(tf.sub(s2, s1), 2), span);
    const dtValid = tf.mul(
      tf.slice(dtOk, [0, 0, 0], [b, T - 2, 1]),
      tf.slice(dtOk, [0, 1, 0], [b, T - 2, 1]),
    );
    const valid = tf.mul(tripleMask(mask, b, T, k), dtValid);
    return weightedMean(tf.square(second), valid);
  });
}

/** 1 where steps s and s+1 are both observed, shape (B, T−1, K). */
function pairMask(mask: tf.Tensor | undefined, b: number, t: number, k: number): tf.Tensor {
  if (!mask) return tf.ones([b, t - 1, k]);
  const on = tf.cast(tf.greater(mask, 0), "float32");
  return tf.mul(tf.slice(on, [0, 0, 0], [b, t - 1, k]), tf.slice(on, [0, 1, 0], [b, t - 1, k]));
}

/** 1 where steps s, s+1 and s+2 are all observed, shape (B, T−2, K). */
function tripleMask(mask: tf.Tensor | undefined, b: number, t: number, k: number): tf.Tensor {
  if (!mask) return tf.ones([b, t - 2, k]);
  const on = tf.cast(tf.greater(mask, 0), "float32");
  const part = (start: number) => tf.slice(on, [0, start, 0], [b, t - 2, k]);
  return tf.mul(tf.mul(part(0), part(1)), part(2));
}

function weightedMean(values: tf.Tensor, weights: tf.Tensor): tf.Scalar {
  const kept = tf.where(tf.greater(weights, 0), values, tf.zerosLike(values));
  return tf.div(tf.sum(tf.mul(kept, weights)), tf.maximum(tf.sum(weights), 1)) as tf.Scalar;
}
