/**
 * Numerics of health indicators measured at (or before) an RPT, the inputs of *estimation*: the mean voltage
 * of each ageing set from its energy and charge throughput, how far it moved since the first set, a value
 * relative to the cell's first measurement, and the charge a discharge curve passes inside a partial voltage
 * window. None of them is the C/10 capacity behind SOH or a rescaling of it.
 */

/**
 * Mean cell voltage (V) of the ageing set before each RPT: its energy throughput over its charge throughput,
 * (E_k − E_{k−1}) / (Q_k − Q_{k−1}) with cumulative E (Wh) and Q (Ah) in RPT order. NaN at the first RPT (no
 * set before it) and wherever a set's throughputs are missing or its charge did not grow.
 */
export function setMeanVoltage(chargeAh: readonly number[], energyWh: readonly number[]): Float64Array {
  const out = new Float64Array(chargeAh.length).fill(NaN);
  for (let k = 1; k < chargeAh.length; k++) {
    const dq = chargeAh[k] - chargeAh[k - 1], de = energyWh[k] - energyWh[k - 1];
    if (Number.isFinite(dq) && Number.isFinite(de) && dq > 0) out[k] = de / dq;
  }
  return out;
}

/**
 * Shift (V) of the ageing sets' mean voltage since the first set: v̄_k − v̄_1 for RPT k ≥ 1 (0 at RPT 1 by
 * definition). At RPT 0 the cell has not cycled, so nothing has shifted: 0 as well — the same convention as
 * throughput and days, which are 0 there. A set whose mean voltage is unknown stays NaN; when the first
 * set's is unknown, every shift is NaN (there is no reference to measure from).
 */
export function meanVoltageShift(
  rpt: readonly number[],
  chargeAh: readonly number[],
  energyWh: readonly number[],
): Float64Array {
  const v = setMeanVoltage(chargeAh, energyWh);
  const first = rpt.findIndex((r) => r >= 1);
  const ref = first >= 0 ? v[first] : NaN;
  return Float64Array.from(rpt, (r, k) => (r === 0 ? 0 : v[k] - ref));
}

/** Each value over the first value when that is the cell's RPT 0 measurement; NaN without one. */
export function relativeToFirst(rpt: readonly number[], values: readonly number[]): Float64Array {
  const v0 = rpt[0] === 0 ? values[0] : NaN;
  return Float64Array.from(values, (v) => v / v0);
}

/**
 * Charge (Ah) a discharge curve passes while its voltage falls from `hiV` to `loV`: the charge at `loV` minus
 * the charge at `hiV`, in magnitude. A measured curve's noise makes it cross a level several times within a
 * few mAh, so the charge at a level is the mean over all its crossings (each interpolated linearly between
 * the samples around it); a clean, monotone curve crosses once. NaN when the curve does not reach both
 * levels (a partial curve is not guessed at). Samples in time order.
 */
export function windowCharge(
  voltage: ArrayLike<number>,
  chargeAh: ArrayLike<number>,
  loV: number,
  hiV: number,
): number {
  return Math.abs(chargeAtLevel(voltage, chargeAh, loV) - chargeAtLevel(voltage, chargeAh, hiV));
}

/** Mean charge over the crossings of `level` (linear between samples); NaN if the curve never crosses it. */
function chargeAtLevel(voltage: ArrayLike<number>, chargeAh: ArrayLike<number>, level: number): number {
  let sum = 0, count = 0;
  for (let i = 1; i < voltage.length; i++) {
    const v0 = voltage[i - 1] - level, v1 = voltage[i] - level;
    if (v0 === 0 || v0 * v1 >= 0) continue;
    const w = v0 / (v0 - v1);
    sum += chargeAh[i - 1] + w * (chargeAh[i] - chargeAh[i - 1]);
    count++;
  }
  return count > 0 ? sum / count : NaN;
}
