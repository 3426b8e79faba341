/** Generated data for the gbdt tests. */
import { seededUniform } from "../../../lib/gbdt/random.ts";

/** Friedman #1: y = 10 sin(π x0 x1) + 20 (x2 − ½)² + 10 x3 + 5 x4 + noise, `cols` ≥ 5 uniform features. */
export function friedman(n: number, seed: number, cols = 10, noise = 1) {
  const random = seededUniform(seed);
  const values = new Float64Array(n * cols), y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const x = Array.from({ length: cols }, () => random());
    values.set(x, i * cols);
    const gaussian = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    y[i] = 10 * Math.sin(Math.PI * x[0] * x[1]) + 20 * (x[2] - 0.5) ** 2 + 10 * x[3] + 5 * x[4] +
      noise * gaussian;
  }
  return { x: { rows: n, cols, values }, y };
}

/** Root-mean-square error. */
export function rmse(pred: ArrayLike<number>, y: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) s += (pred[i] - y[i]) ** 2;
  return Math.sqrt(s / y.length);
}
