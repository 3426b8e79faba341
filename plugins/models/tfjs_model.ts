/**
 * The base the tfjs model plugins (mlp, lstm_attn, neural_ode) share: one fitted network per instance;
 * `fit` runs the model's own training (which starts its backend; checkpoint-folder errors become config
 * errors); `state` is the network's metadata plus its weights as float32 arrays (and `training.blas` when
 * it was openblas); `restore` starts the fit's backend and products, rebuilds the network from the metadata and assigns the weights (predictions are bit-identical);
 * and the "not fitted" and "same features" checks. Each model file keeps only what is its own: the
 * network, its inputs, its training data and its predictions.
 */
import {
  DataError,
  type FitContext,
  type ModelInstance,
  type PluginState,
  type Prediction,
  type SampleSet,
} from "../../mod.ts";
import {
  assignWeights,
  type BackendRequest,
  contextFitOptions,
  fitNetwork,
  type FitNetworkOptions,
  type ForwardFn,
  type NetworkWeights,
  type ParamStore,
  type TensorSet,
  type TrainResult,
  weightsOf,
} from "../../lib/train/mod.ts";
import { SeededRandom } from "../../lib/random/mod.ts";
import type { BlasSetting } from "../../lib/nn/mod.ts";
import { networkFitResult, withCheckpointErrors } from "./network_fit_result.ts";
import { startTrainingBackend } from "./training_backend.ts";

/** A built network: the metadata it was built from (JSON-able, saved with the weights) and its parameters. */
export interface Network<M> {
  meta: M;
  store: ParamStore;
}

/** What each tfjs model keeps its own. */
export interface TfjsModelSpec<M, N extends Network<M>> {
  name: string;
  accepts: ModelInstance["accepts"];
  /** The network for `meta`, initialised from `rng` (a restore overwrites every value). */
  build(meta: M, rng: { uniform(): number }): N;
  /** The backend a restored network predicts on: the fit's, so predictions match. */
  backend(meta: M): BackendRequest;
  /** Starts the fit's backend (with `auto`, a smoke fit of this network) and trains a new network. */
  fit(
    train: SampleSet,
    val: SampleSet | undefined,
    ctx: FitContext,
  ): Promise<{ net: N; result: TrainResult }>;
  predict(net: N, set: SampleSet): Prediction | Promise<Prediction>;
}

/** A tfjs model instance: the contract's methods plus the fitted or restored network. */
export interface TfjsModel<N> extends ModelInstance {
  network(): N;
}

/** A model instance around `spec`. */
export function tfjsModel<M, N extends Network<M>>(spec: TfjsModelSpec<M, N>): TfjsModel<N> {
  let net: N | undefined;
  // The fit's `training.blas`, kept with the state so a restored network predicts with the same products.
  let blas: BlasSetting | undefined;
  const ready = () => {
    if (!net) throw new Error(`${spec.name}: not fitted or restored`);
    return net;
  };
  const replace = (next: N | undefined) => {
    net?.store.dispose();
    net = next;
  };
  return {
    accepts: spec.accepts,
    async fit(train, val, ctx) {
      replace(undefined);
      blas = ctx.training.blas;
      const fitted = await withCheckpointErrors(() => spec.fit(train, val, ctx));
      replace(fitted.net);
      return networkFitResult(fitted.result);
    },
    predict: async (set) => await spec.predict(ready(), set),
    async state() {
      const { meta, store } = ready();
      // `blas` only when openblas: states of builtin fits stay as they were before the setting existed.
      const products = blas === "openblas" ? { blas } : {};
      return { meta, weights: await weightsOf(store), ...products } as unknown as PluginState;
    },
    async restore(state) {
      const meta = state.meta as M;
      blas = state.blas === "openblas" ? "openblas" : undefined;
      await startTrainingBackend(spec.backend(meta), blas);
      replace(spec.build(meta, new SeededRandom(0))); // initial values are overwritten by the saved ones
      assignWeights(net!.store, state.weights as unknown as NetworkWeights, spec.name);
    },
    network: ready,
  };
}

/** What `trainNetwork` needs besides the context: the built network, its forward pass and its tensors. */
export interface NetworkFit<N> {
  name: string;
  /** The plugin's options (checkpoint identity and folder). */
  options: { checkpoint_dir?: string };
  net: N & { store: ParamStore };
  forward: ForwardFn;
  /** Work before each forward pass (see `FitNetworkOptions.prepare`). */
  prepare?: FitNetworkOptions["prepare"];
  train: SampleSet;
  val: SampleSet | undefined;
  trainTensors: TensorSet;
  valTensors: TensorSet | undefined;
  dispose(set: TensorSet): void;
}

/** Trains with the shared trainer under the context's settings; the tensors are disposed whatever happens. */
export async function trainNetwork<N>(
  fit: NetworkFit<N>,
  ctx: FitContext,
): Promise<{ net: N; result: TrainResult }> {
  try {
    const result = await fitNetwork({
      store: fit.net.store,
      forward: fit.forward,
      prepare: fit.prepare,
      train: fit.trainTensors,
      val: fit.valTensors,
      targetNames: fit.train.targetNames,
      settings: ctx.training,
      ...contextFitOptions(ctx, fit.name, { options: fit.options, train: fit.train, val: fit.val }),
    });
    return { net: fit.net, result };
  } finally {
    fit.dispose(fit.trainTensors);
    if (fit.valTensors) fit.dispose(fit.valTensors);
  }
}

/** Refuses a set whose features differ (names or order) from the ones the model was fitted on. */
export function requireFittedFeatures(name: string, fitted: readonly string[], set: SampleSet): void {
  if (set.featureNames.join("\u0000") !== fitted.join("\u0000")) {
    throw new DataError(`${name} was fitted on other features`, {
      expected: `[${fitted.join(", ")}]`,
      found: `[${set.featureNames.join(", ")}]`,
    });
  }
}
