/**
 * The skeleton the built-in pipelines share (summary_set, ica_peaks, latent_ode_seq): extract raw samples
 * from a View, optionally standardise features with statistics fitted on the training View only, and hand
 * the fitted statistics and options to the core as state. Each pipeline keeps only its own extraction.
 */
import {
  DataError,
  type DatasetInstance,
  type FittedPipeline,
  type PipelineInstance,
  type PluginState,
  type SampleLayout,
  type SampleSet,
} from "../../mod.ts";
import {
  applyStandardizer,
  fitStandardizer,
  identityStandardizer,
  type Standardizer,
} from "../../lib/features/mod.ts";

/** What differs between the pipelines. */
export interface StandardizedPipelineSpec<O> {
  /** The plugin's name (error messages). */
  name: string;
  produces: SampleLayout;
  /** Validates options read back from a state with the plugin's own schema. */
  parseOptions(raw: unknown): O;
  /** Raw (unstandardised) samples of the View's cells; a cell's samples depend on that cell alone. */
  extract(view: DatasetInstance, options: O): Promise<SampleSet>;
  /** Whether the options ask for standardisation. */
  standardize(options: O): boolean;
  /**
   * Whether `fit` extracts the training View even without standardisation, so bad data fail at fit
   * (cheap extractions); false: it reads nothing then (ICA over every curve is not cheap).
   */
  extractOnFit: boolean;
  /** Number of features the options produce (the width of the statistics). */
  featureCount(options: O): number;
  /** Rows of a set's N·T·F features that are real steps, not padding (default: every row). */
  realRows?(set: SampleSet): (row: number) => boolean;
  /** Feature indices kept as they are (0/1 input masks, which models read as flags). */
  unscaled?(options: O): number[];
}

/** A fitted pipeline's state: its options and the per-feature statistics (identity when not standardising). */
interface StandardizedState<O> extends Standardizer {
  options: O;
}

/** A pipeline instance from the spec, fitted with `options`. */
export function standardizedPipeline<O>(spec: StandardizedPipelineSpec<O>, options: O): PipelineInstance {
  return {
    produces: spec.produces,
    async fit(trainView) {
      const standardize = spec.standardize(options);
      const train = standardize || spec.extractOnFit ? await spec.extract(trainView, options) : undefined;
      if (!standardize || !train) {
        return fitted(spec, { options, ...identityStandardizer(spec.featureCount(options)) });
      }
      const real = spec.realRows?.(train);
      const stats = fitStandardizer(
        train.x,
        train.featureNames.length,
        real ? (row) => real(row) : undefined,
      );
      for (const j of spec.unscaled?.(options) ?? []) (stats.mean[j] = 0, stats.std[j] = 1);
      return fitted(spec, { options, ...stats });
    },
    restore: (state) => fitted(spec, checkedState(spec, state)),
  };
}

function fitted<O>(spec: StandardizedPipelineSpec<O>, state: StandardizedState<O>): FittedPipeline {
  return {
    async transform(view) {
      const set = await spec.extract(view, state.options);
      applyStandardizer(set.x, set.featureNames.length, state, spec.realRows?.(set));
      return set;
    },
    state: () => ({ options: state.options, mean: state.mean, std: state.std }) as unknown as PluginState,
  };
}

/** The state's options through the plugin's schema, and statistics of the width those options produce. */
function checkedState<O>(spec: StandardizedPipelineSpec<O>, state: PluginState): StandardizedState<O> {
  const options = spec.parseOptions(state.options);
  const width = spec.featureCount(options);
  const numbers = (v: unknown) =>
    Array.isArray(v) && v.length === width && v.every((x) => typeof x === "number");
  if (!numbers(state.mean) || !numbers(state.std)) {
    throw new DataError(`${spec.name}: the saved standardisation does not match the features`, {
      expected: `mean and std of ${width} numbers each`,
      found: `mean ${describeList(state.mean)}, std ${describeList(state.std)}`,
    });
  }
  return { options, mean: state.mean as number[], std: state.std as number[] };
}

function describeList(v: unknown): string {
  return Array.isArray(v) ? `${v.length} values` : typeof v;
}
