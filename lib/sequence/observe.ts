/**
 * The forecasting protocol's observed prefix, as models read it. `evaluation.observe` reaches models as
 * `ctx.observe = { rpts?: number; days?: number } | null`: a sequence model then sees only the
 * first `rpts` steps, or the steps with time ≤ `days`, and predicts every step. The core computes the
 * prefix per sample (core/observe.ts) and stamps it on each set; models read it with `stampedPrefix`.
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

/**
 * Per sample, how many leading steps the forecast observes: the prefix the core computed from
 * `evaluation.observe` and stamped on the set (`SampleSet.observed`, core/observe.ts) — one rule for what
 * a model sees and what is scored, also on a set reloaded by `openRun`.
 */
export function stampedPrefix(set: SequenceData): Int32Array {
  if (!set.observed || set.observed.length !== set.n) {
    throw new RangeError(
      "forecasting (evaluation.observe) needs the observed prefix the core stamps on every set it hands a " +
        "model (SampleSet.observed); stamp sets built by hand with withObservedPrefix(set, observe)",
    );
  }
  return set.observed;
}
