/**
 * The forecasting protocol's observed prefix, computed in one place: `evaluation.observe` says a sequence
 * forecast sees the first `rpts` steps of each sample, or its steps within `days` of the start. The core
 * stamps the prefix on every set it hands a model (`SampleSet.observed`), in a run and in a reopened one,
 * and scores only the steps after it, so what a model sees and what is scored never disagree.
 *
 * Time units: a pipeline may scale its time axis; it then records `meta.extra.time_unit` ("days",
 * "charge_throughput_Ah") and `meta.extra.time_scale` (the divisor) per sample. Without them, t is in days.
 */
import { ConfigError } from "./errors.ts";
import type { ExperimentConfig } from "./experiment_schema.ts";
import type { SampleSet } from "./sample.ts";

/** What a forecast observes: the first `rpts` steps or the steps within `days` (null: not forecasting). */
export type Observe = ExperimentConfig["evaluation"]["observe"];

/** The set with its observed prefix stamped; unchanged when not forecasting. */
export function withObservedPrefix(set: SampleSet, observe: Observe): SampleSet {
  if (!observe) return set;
  return { ...set, observed: observedLengths(set, observe) };
}

/** Per sample, the leading steps not scored: the stamped prefix; none when not forecasting or tabular (T = 1). */
export function observedPrefix(set: SampleSet): Int32Array {
  return set.observed && set.steps > 1 ? set.observed : new Int32Array(set.n);
}

/** Per sample, how many leading steps are observed (at least 1, at most the sample's length). */
function observedLengths(set: SampleSet, observe: NonNullable<Observe>): Int32Array {
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

function daysInTimeUnits(set: SampleSet, i: number, days: number): number {
  const unit = set.meta.extra?.time_unit as string[] | undefined;
  const scale = set.meta.extra?.time_scale as Float64Array | undefined;
  if (unit && unit[i] !== "days") {
    throw new ConfigError(
      "evaluation.observe",
      `observe.days needs a time axis in days, but cell ${set.meta.cellKey[i]} uses '${unit[i]}'; ` +
        "use observe.rpts or the pipeline option time: days",
    );
  }
  return days / (scale ? scale[i] : 1);
}
