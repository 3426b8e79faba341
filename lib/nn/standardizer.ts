/** Per-column centring and scaling, fitted on training data only (observed entries only). */

/** Means and standard deviations by column (std 1 for a constant column, so it is centred, not divided by 0). */
export interface Standardizer {
  mean: number[];
  std: number[];
}

/** Fits column statistics of `values` (rows × width), counting entry j of row r only when `use(r, j)`. */
export function fitStandardizer(
  values: Float32Array,
  width: number,
  use: (row: number, col: number) => boolean,
): Standardizer {
  const rows = width === 0 ? 0 : values.length / width;
  const mean = new Array(width).fill(0), std = new Array(width).fill(1);
  for (let j = 0; j < width; j++) {
    let n = 0, s = 0, ss = 0;
    for (let r = 0; r < rows; r++) {
      const v = values[r * width + j];
      if (!use(r, j) || !Number.isFinite(v)) continue;
      n++;
      s += v;
      ss += v * v;
    }
    if (n === 0) continue;
    mean[j] = s / n;
    const sd = Math.sqrt(Math.max(0, ss / n - mean[j] ** 2));
    std[j] = sd > 1e-12 * Math.max(1, Math.abs(mean[j])) ? sd : 1;
  }
  return { mean, std };
}
