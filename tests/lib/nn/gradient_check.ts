/**
 * Test helper: compares tfjs autodiff gradients with central finite differences on a few sampled
 * parameter entries. float32 losses limit the accuracy of the difference quotient, so the relative error
 * uses a floor of a tenth of the gradients' RMS (an entry with a near-zero gradient is judged in absolute
 * terms against the typical gradient size).
 */
import * as tf from "@tensorflow/tfjs";
import { SeededRandom } from "../../../lib/random/mod.ts";

/** How many entries to check, the seed of the choice and the finite-difference step. */
export interface GradientCheckOptions {
  samples?: number;
  seed?: number;
  step?: number;
}

/** The largest relative error over the sampled entries (throws on a non-finite gradient). */
export async function gradientCheck(
  params: tf.Variable[],
  loss: () => tf.Scalar,
  opts: GradientCheckOptions = {},
): Promise<number> {
  const h = opts.step ?? 1e-3;
  const { value, grads } = tf.variableGrads(loss, params);
  value.dispose();
  const analytic = params.map((p) => (grads[p.name] ? grads[p.name].dataSync() : new Float32Array(p.size)));
  tf.dispose(Object.values(grads));
  const all = analytic.flatMap((g) => Array.from(g));
  const rms = Math.sqrt(all.reduce((a, v) => a + v * v, 0) / Math.max(1, all.length));
  if (!all.every(Number.isFinite)) throw new Error("non-finite analytic gradient");
  const picks = pickEntries(params, opts.samples ?? 20, new SeededRandom(opts.seed ?? 1));
  let worst = 0;
  for (const [pi, ei] of picks) {
    const numeric = await centralDifference(params[pi], ei, h, loss);
    const a = analytic[pi][ei];
    const err = Math.abs(a - numeric) / Math.max(Math.abs(a), Math.abs(numeric), 0.1 * rms, 1e-6);
    worst = Math.max(worst, err);
  }
  return worst;
}

function pickEntries(params: tf.Variable[], n: number, rng: SeededRandom): [number, number][] {
  const total = params.reduce((a, p) => a + p.size, 0);
  const chosen = new Set<number>();
  while (chosen.size < Math.min(n, total)) chosen.add(Math.floor(rng.uniform() * total));
  return [...chosen].map((flat) => {
    let pi = 0;
    while (flat >= params[pi].size) flat -= params[pi++].size;
    return [pi, flat];
  });
}

// deno-lint-ignore require-await
async function centralDifference(
  p: tf.Variable,
  index: number,
  h: number,
  loss: () => tf.Scalar,
): Promise<number> {
  const base = p.dataSync().slice() as Float32Array;
  const at = (delta: number) => {
    const v = base.slice();
    v[index] += delta;
    tf.tidy(() => p.assign(tf.tensor(v, p.shape, "float32")));
    return tf.tidy(() => loss().dataSync()[0]);
  };
  // The actual float32 step, so rounding of base ± h does not bias the quotient.
  const up = Math.fround(base[index] + h), down = Math.fround(base[index] - h);
  const fUp = at(up - base[index]), fDown = at(down - base[index]);
  tf.tidy(() => p.assign(tf.tensor(base, p.shape, "float32")));
  return (fUp - fDown) / (up - down);
}

/** Σ mask·(ŷ − y)² over batch × time × outputs: the masked loss the sequence models' gradient checks use. */
export function maskedSquaredError(yPred: tf.Tensor, y: tf.Tensor, mask: tf.Tensor2D): tf.Scalar {
  return tf.sum(tf.mul(tf.square(tf.sub(yPred, y)), tf.expandDims(mask, 2))) as tf.Scalar;
}
