/**
 * The forecasting protocol's observed prefix. `evaluation.observe` reaches models as
 * `ctx.observe = { rpts?: number; days?: number } | null`: a sequence model then sees only the
 * first `rpts` steps, or the steps with time ≤ `days`, and predicts every step.
 *
 * Time units: a pipeline may scale its time axis; it then records `meta.extra.time_unit` ("days",
 * "charge_throughput_Ah") and `meta.extra.time_scale` (the divisor) per sample, as `latent_ode_seq`
 * does. Without them, t is taken to be days. `days` cannot be applied to a throughput time axis.
 */
import type { SequenceData } from "./sequence_data.ts";

/** What the forecast observes. */
export interface ObserveSetting {
  rpts?: number;
  days?: number;
}

/** The fit context's observe setting, checked (null when absent: not forecasting). */
export function observeFrom(o: ObserveSetting | null | undefined): ObserveSetting | null {
  if (!o) return null;
  if ((o.rpts === undefined) === (o.days === undefined)) {
    throw new RangeError(
      `evaluation.observe must give exactly one of 'rpts' or 'days', found ${JSON.stringify(o)}`,
    );
  }
  return o;
}

/** Per sample, how many leading steps are observed (at least 1, at most the sample's length). */
export function observedLengths(set: SequenceData, observe: ObserveSetting): Int32Array {
  const out = new Int32Array(set.n);
  for (let i = 0; i < set.n; i++) {
    const len = set.lengths[i];
    if (observe.rpts !== undefined) {
      out[i] = Math.max(1, Math.min(len, observe.rpts));
      continue;
    }
    const limit = daysInTimeUnits(set, i, observe.days!);
    let k = 0;
    while (k < len && set.t[i * set.steps + k] <= limit + 1e-9) k++;
    out[i] = Math.max(1, k);
  }
  return out;
}

function daysInTimeUnits(set: SequenceData, i: number, days: number): number {
  const unit = set.meta.extra?.time_unit as string[] | undefined;
  const scale = set.meta.extra?.time_scale as Float64Array | undefined;
  if (unit && unit[i] !== "days") {
    throw new RangeError(
      `observe.days needs a time axis in days, but cell ${set.meta.cellKey[i]} uses '${unit[i]}'; ` +
        "use observe.rpts or the pipeline option time: days",
    );
  }
  return days / (scale ? scale[i] : 1);
}
