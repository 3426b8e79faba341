/**
 * Per-sample time grids: every batch row may ask for its own output times (padded sequences of different
 * lengths and spacings). The batch is integrated once over the sorted union of all requested times and each
 * row reads its own times from that solution; padding steps read nothing.
 */

/** The union of the rows' times and, per (row, step), its index in the union (−1 = padding). */
export interface TimeGrid {
  times: Float64Array;
  rows: number;
  steps: number;
  index: Int32Array;
}

/** Builds the union grid of `t` (rows·steps, row-major) where step < lengths[row]. */
export function unionTimeGrid(t: ArrayLike<number>, lengths: ArrayLike<number>, steps: number): TimeGrid {
  const rows = lengths.length;
  if (t.length !== rows * steps) throw new RangeError(`t has ${t.length} values, expected ${rows}·${steps}`);
  const all: number[] = [];
  for (let r = 0; r < rows; r++) {
    for (let s = 0; s < lengths[r]; s++) all.push(t[r * steps + s]);
  }
  if (all.length === 0) throw new RangeError("no time steps within the lengths");
  const times = Float64Array.from(new Set(all)).sort();
  const position = new Map<number, number>();
  times.forEach((v, i) => position.set(v, i));
  const index = new Int32Array(rows * steps).fill(-1);
  for (let r = 0; r < rows; r++) {
    for (let s = 0; s < lengths[r]; s++) index[r * steps + s] = position.get(t[r * steps + s])!;
  }
  return { times, rows, steps, index };
}

/** One shared grid: every row asks for the same `times`. */
export function sharedTimeGrid(times: ArrayLike<number>, rows: number): TimeGrid {
  const steps = times.length;
  const index = new Int32Array(rows * steps);
  for (let r = 0; r < rows; r++) for (let s = 0; s < steps; s++) index[r * steps + s] = s;
  return { times: Float64Array.from(times), rows, steps, index };
}

/**
 * Reads each row's outputs from a union solution `ys` (times × rows·width) into rows × steps × width
 * (padding = 0).
 */
export function gatherRows(grid: TimeGrid, ys: Float64Array, width: number): Float32Array {
  const { rows, steps, index } = grid;
  const out = new Float32Array(rows * steps * width);
  for (let r = 0; r < rows; r++) {
    for (let s = 0; s < steps; s++) {
      const u = index[r * steps + s];
      if (u < 0) continue;
      const from = (u * rows + r) * width;
      for (let j = 0; j < width; j++) out[(r * steps + s) * width + j] = ys[from + j];
    }
  }
  return out;
}

/** The adjoint of `gatherRows`: adds rows × steps × width gradients into times × rows·width. */
export function scatterRows(grid: TimeGrid, d: ArrayLike<number>, width: number): Float64Array {
  const { rows, steps, index } = grid;
  const out = new Float64Array(grid.times.length * rows * width);
  for (let r = 0; r < rows; r++) {
    for (let s = 0; s < steps; s++) {
      const u = index[r * steps + s];
      if (u < 0) continue;
      const to = (u * rows + r) * width;
      for (let j = 0; j < width; j++) out[to + j] += d[(r * steps + s) * width + j];
    }
  }
  return out;
}
