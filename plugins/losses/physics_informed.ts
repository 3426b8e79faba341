/**
 * `physics_informed` loss: masked MSE + λ_mono · monotonicity penalty + λ_smooth · smoothness penalty.
 * Monotonicity follows each target's physical direction (SOH and capacity never rise; LLI and LAM never
 * fall; a default table by target name, overridable with `directions`); smoothness is the squared second
 * derivative on the actual, uneven step times. For (B, K) inputs without a time axis both extra terms are
 * zero, so the loss declares `layouts: ["sequence"]` and a run with a tabular pipeline is refused. Pairs
 * and triples touching a masked step are excluded.
 */
import { z } from "zod";
import * as tf from "@tensorflow/tfjs";
import { defineLoss, type LossInputs, type LossInstance } from "../../mod.ts";
import {
  elementLoss,
  maskedMean,
  monotonicPenalty,
  safeTargets,
  smoothnessPenalty,
} from "../../lib/loss/mod.ts";
import { type Direction, directionOf } from "../../lib/sequence/mod.ts";
import { checkShapes } from "./pointwise_loss.ts";

const direction = z.enum(["non_increasing", "non_decreasing", "none"]);
const options = z.strictObject({
  lambda_monotonic: z.number().min(0).default(1.0),
  lambda_smooth: z.number().min(0).default(0.01),
  /** Per-target direction overrides, by target name (they win over the caller's and the defaults). */
  directions: z.record(z.string(), direction).default({}),
});
type Options = z.infer<typeof options>;

/** Direction of target k: option override, else the caller's (when not "none"), else the default table. */
function directionsFor(o: Options, inputs: LossInputs<tf.Tensor>): Direction[] {
  return inputs.targetNames.map((name, k) => {
    const given = inputs.directions[k];
    return o.directions[name] ?? (given && given !== "none" ? given : directionOf(name));
  });
}

function create(o: Options): LossInstance<tf.Tensor> {
  return {
    // On tabular samples (T = 1) both extra terms are zero: the runner refuses the pairing.
    layouts: ["sequence"],
    compute(yTrue: tf.Tensor, yPred: tf.Tensor, inputs: LossInputs<tf.Tensor>): tf.Scalar {
      checkShapes(yTrue, yPred, inputs.mask);
      const k = yPred.shape[yPred.rank - 1]!;
      if (inputs.targetNames.length !== k) {
        throw new RangeError(`physics_informed: ${inputs.targetNames.length} target names for K = ${k}`);
      }
      const dirs = directionsFor(o, inputs);
      return tf.tidy(() => {
        const data = maskedMean(
          elementLoss(safeTargets(yTrue, inputs.mask), yPred, { kind: "mse" }),
          inputs.mask,
        );
        const mono = monotonicPenalty(yPred, dirs, inputs.mask);
        const smooth = smoothnessPenalty(yPred, inputs.t, inputs.mask);
        return tf.addN([
          data,
          tf.mul(mono, o.lambda_monotonic),
          tf.mul(smooth, o.lambda_smooth),
        ]) as tf.Scalar;
      });
    },
  };
}

/** The `physics_informed` loss definition. */
const physicsInformed = defineLoss({
  kind: "loss",
  name: "physics_informed",
  version: "1.0.0",
  apiVersion: 1,
  description: "MSE + monotonicity (per-target direction) + smoothness on uneven time steps.",
  options,
  create: (o) => create(o),
});
export default physicsInformed;
