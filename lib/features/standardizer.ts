/**
 * Per-column centring and scaling, fitted on training data only (observed, finite entries only). One
 * implementation for every pipeline and model that standardises.
 */

/** Means and standard deviations by column (std 1 for a constant column, so it is centred, not divided by 0). */
export interface Standardizer {
  mean: number[];
  std: number[];
}

/** The identity: mean 0, std 1 for `width` columns. */
export function identityStandardizer(width: number): Standardizer {
  return { mean: new Array(width).fill(0), std: new Array(width).fill(1) };
}

/**
 * Fits column statistics of `values` (rows × width), counting entry j of row r only when `use(r, j)` and
 * finite. Two passes (mean, then squared deviations), so large offsets such as throughput in Ah do not
 * cancel digits. A column with no usable entry keeps mean 0, std 1.
 */
export function fitStandardizer(
  values: ArrayLike<number>,
  width: number,
  use: (row: number, col: number) => boolean = () => true,
): Standardizer {
  const rows = width === 0 ? 0 : values.length / width;
  const { mean, std } = identityStandardizer(width);
  for (let j = 0; j < width; j++) {
    let n = 0, s = 0;
    for (let r = 0; r < rows; r++) {
      const v = values[r * width + j];
      if (use(r, j) && Number.isFinite(v)) {
        n++;
        s += v;
      }
    }
    if (n === 0) continue;
    const m = s / n;
    let ss = 0;
    for (let r = 0; r < rows; r++) {
      const v = values[r * width + j];
      if (use(r, j) && Number.isFinite(v)) ss += (v - m) ** 2;
    }
    const sd = Math.sqrt(ss / n);
    mean[j] = m;
    std[j] = sd > 1e-12 * Math.max(1, Math.abs(m)) ? sd : 1;
  }
  return { mean, std };
}

/** Rows of an N·T·F feature array that are real steps (not padding), as a `use` filter. */
export function realSteps(steps: number, lengths: ArrayLike<number>): (row: number) => boolean {
  return (row) => row % steps < lengths[Math.floor(row / steps)];
}

/** Standardises `values` (rows × width) in place; rows where `use(row)` is false are left as they are. */
export function applyStandardizer(
  values: Float32Array | Float64Array,
  width: number,
  s: Standardizer,
  use: (row: number) => boolean = () => true,
): void {
  const rows = width === 0 ? 0 : values.length / width;
  for (let r = 0; r < rows; r++) {
    if (!use(r)) continue;
    for (let j = 0; j < width; j++) values[r * width + j] = (values[r * width + j] - s.mean[j]) / s.std[j];
  }
}
