/** Generated data for the gbdt tests. */
import { seededUniform } from "../../../lib/random/mod.ts";

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

/**
 * A small dataset shaped like the Expt 1 summary features, for tree-by-tree comparison with LightGBM:
 * 40 rows; x0 a chamber temperature (3 values), x1 days (integers, zeros included), x2 a signed
 * continuous value, x3 = 100 / x0 (splits the rows exactly like x0: a tie between features). Every value
 * is a short decimal that is exact in binary, so a CSV of it means the same doubles to both engines.
 */
export function smallParityRows() {
  const n = 40, cols = 4;
  const values = new Float64Array(n * cols), y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const temperature = [10, 25, 40][i % 3];
    const days = i % 7 === 0 ? 0 : (i * 13) % 50;
    const signed = (((i * 29) % 61) - 30) / 16;
    values.set([temperature, days, signed, 100 / temperature], i * cols);
    // Rounded to 6 decimals, as written to the CSV.
    y[i] = Math.round((1 - 0.002 * temperature - 0.001 * days + 0.01 * Math.sin(signed)) * 1e6) / 1e6;
  }
  return { x: { rows: n, cols, values }, y };
}

/** Rows as a LightGBM CSV (label first, header y,x0,x1,…; NaN written as `nan`, which the CLI reads as missing). */
export function toLightgbmCsv(
  data: { x: { rows: number; cols: number; values: ArrayLike<number> }; y: ArrayLike<number> },
): string {
  const { rows, cols, values } = data.x;
  const lines = ["y," + Array.from({ length: cols }, (_, j) => `x${j}`).join(",")];
  for (let i = 0; i < rows; i++) {
    const row = Array.from({ length: cols }, (_, j) => values[i * cols + j]);
    lines.push([data.y[i], ...row].map((v) => (Number.isNaN(v) ? "nan" : String(v))).join(","));
  }
  return lines.join("\n") + "\n";
}
