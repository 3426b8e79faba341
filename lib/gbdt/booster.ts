/**
 * Gradient boosting: each round fits a tree to the gradients of the loss at the current scores and adds
 * it, scaled by the learning rate. Supports row bagging, per-tree feature sampling and early stopping on
 * a validation set.
 */
import { binMatrix, type BinnedMatrix, type RowMatrix } from "./binning.ts";
import { type Objective, objectiveOf } from "./_objective.ts";
import { type GbdtParams, resolveParams, type TrainHooks } from "./params.ts";
import { sampleIndices, seededUniform, type UniformSource } from "../random/mod.ts";
import { leafOfBinned, predictTree, type Tree } from "./tree.ts";
import { TreeLearner } from "./_tree_learner.ts";
import { HistogramThreads } from "./_histogram_threads.ts";

/** Rows of features and their targets. */
export interface LabelledRows {
  x: RowMatrix;
  y: ArrayLike<number>;
}

/** A trained ensemble. */
export class Booster {
  constructor(
    readonly params: GbdtParams,
    readonly numFeatures: number,
    readonly initScore: number,
    readonly trees: Tree[],
    /** Iterations kept by early stopping (1-based count); 0 when training ran without it. */
    readonly bestIteration: number,
  ) {}

  /** Iterations used by default: the best one when early stopping chose it, else all. */
  get defaultIterations(): number {
    return this.bestIteration > 0 ? this.bestIteration : this.trees.length;
  }

  /** Predictions for every row, using the first `iterations` trees (default: `defaultIterations`). */
  predict(x: RowMatrix, iterations = this.defaultIterations): Float64Array {
    if (x.cols !== this.numFeatures) {
      throw new RangeError(
        `predict: matrix has ${x.cols} features, the model was trained on ${this.numFeatures}`,
      );
    }
    const out = new Float64Array(x.rows).fill(this.initScore);
    const used = Math.min(iterations, this.trees.length);
    for (let t = 0; t < used; t++) addTree(this.trees[t], x, out);
    return out;
  }

  /** Total split gain (or number of splits) per feature over the first `iterations` trees. */
  featureImportance(kind: "gain" | "split" = "gain", iterations = this.defaultIterations): Float64Array {
    const out = new Float64Array(this.numFeatures);
    for (const tree of this.trees.slice(0, iterations)) {
      for (let k = 0; k < tree.numLeaves - 1; k++) {
        out[tree.splitFeature[k]] += kind === "gain" ? tree.splitGain[k] : 1;
      }
    }
    return out;
  }
}

function addTree(tree: Tree, x: RowMatrix, out: Float64Array): void {
  for (let i = 0; i < x.rows; i++) out[i] += predictTree(tree, x.values, i * x.cols);
}

/** Optional inputs of `trainGbdt`. */
export interface TrainOptions extends TrainHooks {
  /** Validation rows for early stopping (`early_stopping_round` > 0) and metrics. */
  valid?: LabelledRows;
  /** Pre-binned training matrix (binning is then skipped; `train.x` is still used for checks). */
  binned?: BinnedMatrix;
  /**
   * Threads that build histograms (LightGBM's `num_threads`; default 1): this one plus `threads − 1`
   * Workers, each summing its block of features. The trees are identical for every value. Above 1 only
   * `trainGbdtInterruptible` accepts it (Workers start asynchronously).
   */
  threads?: number;
}

/**
 * Trains a booster; with a validation set and `early_stopping_round` > 0 it stops early. Like LightGBM,
 * training also stops at the first tree that finds no split (that tree is dropped, unless it is the first:
 * then it is kept as a constant tree). Labels are used in float32, LightGBM's label type.
 */
export function trainGbdt(
  train: LabelledRows,
  params: Partial<GbdtParams>,
  options: TrainOptions = {},
): Booster {
  if ((options.threads ?? 1) !== 1) {
    throw new RangeError(
      `gbdt: threads = ${options.threads} needs trainGbdtInterruptible (its Workers start asynchronously); ` +
        `trainGbdt runs on one thread`,
    );
  }
  const { p, data, run } = startBoosting(train, params, options);
  for (let it = 1; it <= p.num_iterations && !run.stopped; it++) run.round(it);
  return new Booster(p, data.cols, run.initScore, run.trees, run.bestIteration);
}

/** How often (ms) the interruptible trainer lets the event loop run signal handlers. */
const YIELD_EVERY_MS = 50;

/**
 * `trainGbdt` that can be interrupted: between boosting rounds it lets the event loop run (at most every
 * 50 ms, so Ctrl-C handlers fire) and throws the signal's reason once `signal` is aborted. Same trees.
 */
export async function trainGbdtInterruptible(
  train: LabelledRows,
  params: Partial<GbdtParams>,
  options: TrainOptions & { signal?: AbortSignal } = {},
): Promise<Booster> {
  const threads = options.threads ?? 1;
  if (!Number.isInteger(threads) || threads < 1) {
    throw new RangeError(`gbdt: threads = ${threads}: expected an integer ≥ 1`);
  }
  const helpers = threads > 1 ? await HistogramThreads.start(threads - 1) : undefined;
  try {
    const { p, data, run } = startBoosting(train, params, options, helpers);
    let lastYield = performance.now();
    for (let it = 1; it <= p.num_iterations && !run.stopped; it++) {
      if (performance.now() - lastYield >= YIELD_EVERY_MS) {
        await new Promise((resolve) => setTimeout(resolve, 0));
        lastYield = performance.now();
      }
      options.signal?.throwIfAborted();
      run.round(it);
    }
    return new Booster(p, data.cols, run.initScore, run.trees, run.bestIteration);
  } finally {
    helpers?.close();
  }
}

function startBoosting(
  train: LabelledRows,
  params: Partial<GbdtParams>,
  options: TrainOptions,
  helpers?: HistogramThreads,
) {
  const p = resolveParams(params);
  const data = options.binned ?? binMatrix(train.x, p.max_bin, p.min_data_in_bin);
  const y = Float64Array.from(train.y, Math.fround);
  if (y.length !== data.rows) throw new RangeError(`y has ${y.length} values for ${data.rows} rows`);
  return { p, data, run: new BoostingRun(p, data, y, options, helpers) };
}

/** Mutable state of one training run. */
class BoostingRun {
  readonly trees: Tree[] = [];
  readonly initScore: number;
  bestIteration = 0;
  stopped = false;
  #p: GbdtParams;
  #data: BinnedMatrix;
  #y: Float64Array;
  #objective: Objective;
  #options: TrainOptions;
  #random: UniformSource;
  #learner: TreeLearner;
  #score: Float64Array;
  /** The learner's gradient buffer (its WebAssembly memory): objectives write into it directly. */
  #grad: Float64Array;
  #bag: RowBag | undefined;
  #valid: { x: RowMatrix; y: Float64Array; score: Float64Array } | undefined;
  #bestMetric = Infinity;

  constructor(
    p: GbdtParams,
    data: BinnedMatrix,
    y: Float64Array,
    options: TrainOptions,
    helpers?: HistogramThreads,
  ) {
    this.#p = p;
    this.#data = data;
    this.#y = y;
    this.#options = options;
    this.#objective = objectiveOf(p);
    this.initScore = p.boost_from_average ? this.#objective.initScore(y) : 0;
    this.#random = options.random ?? seededUniform(p.seed);
    this.#learner = new TreeLearner(data, p, helpers);
    this.#score = new Float64Array(data.rows).fill(this.initScore);
    this.#grad = this.#learner.gradients;
    const bagging = p.bagging_freq > 0 && p.bagging_fraction < 1;
    this.#bag = bagging ? new RowBag(data.rows) : undefined;
    const v = options.valid;
    if (v) {
      if (v.x.cols !== data.cols) throw new RangeError(`valid has ${v.x.cols} features, train ${data.cols}`);
      this.#valid = {
        x: v.x,
        y: Float64Array.from(v.y),
        score: new Float64Array(v.x.rows).fill(this.initScore),
      };
    }
  }

  round(it: number): void {
    this.#objective.gradients(this.#score, this.#y, this.#grad);
    if (this.#bag && (it - 1) % this.#p.bagging_freq === 0) {
      this.#bag.draw(this.#p.bagging_fraction, this.#random);
    }
    const features = this.#sampleFeatures();
    const tree = this.#learner.grow(this.#objective.constantHessian, features, this.#bag?.inBag());
    if (tree.numLeaves === 1) {
      this.stopped = true;
      if (this.trees.length > 0) return;
      // The first tree stays as a constant: 0 on top of the average, or the objective's best constant
      // when boosting did not start from it (what LightGBM's constant first tree holds).
      tree.leafValue[0] = this.#p.boost_from_average ? 0 : this.#objective.initScore(this.#y);
    } else if (this.#objective.renewLeaf) {
      this.#renewLeaves(tree);
    }
    this.trees.push(tree);
    this.#updateTrainScore(tree);
    if (this.#valid) addTree(tree, this.#valid.x, this.#valid.score);
    this.#afterRound(it);
  }

  /** Replaces each leaf's value by the objective's choice from its in-bag rows' residuals, then shrinks it. */
  #renewLeaves(tree: Tree): void {
    const part = this.#learner.partition, renew = this.#objective.renewLeaf!;
    for (let l = 0; l < tree.numLeaves; l++) {
      const rows = part.rowsOf(l), residuals = new Float64Array(rows.length);
      for (let i = 0; i < rows.length; i++) residuals[i] = this.#y[rows[i]] - this.#score[rows[i]];
      if (rows.length > 0) tree.leafValue[l] = renew(residuals) * this.#p.learning_rate;
    }
  }

  #sampleFeatures(): Int32Array {
    const f = this.#data.cols;
    if (this.#p.feature_fraction >= 1) return Int32Array.from({ length: f }, (_, j) => j);
    const k = Math.max(1, Math.round(f * this.#p.feature_fraction));
    return sampleIndices(f, k, this.#random);
  }

  /** In-bag rows get their leaf value through the partition; out-of-bag rows walk the tree on bins. */
  #updateTrainScore(tree: Tree): void {
    const part = this.#learner.partition, score = this.#score;
    for (let l = 0; l < tree.numLeaves; l++) {
      const value = tree.leafValue[l], idx = part.indices, end = part.begin[l] + part.count[l];
      for (let i = part.begin[l]; i < end; i++) score[idx[i]] += value;
    }
    const outOfBag = this.#bag?.outOfBag();
    if (!outOfBag) return;
    for (let i = 0; i < outOfBag.length; i++) {
      const row = outOfBag[i];
      score[row] += tree.leafValue[leafOfBinned(tree, this.#data, row)];
    }
  }

  #afterRound(it: number): void {
    const valid = this.#valid, want = this.#options.wantMetrics?.(it) ?? false;
    const validMetric = valid && (want || this.#p.early_stopping_round > 0)
      ? this.#objective.metric(valid.score, valid.y)
      : undefined;
    if (validMetric !== undefined && this.#p.early_stopping_round > 0) this.#earlyStopping(it, validMetric);
    const trainMetric = want ? this.#objective.metric(this.#score, this.#y) : undefined;
    this.#options.onIteration?.({ iteration: it, trainMetric, validMetric: want ? validMetric : undefined });
  }

  #earlyStopping(it: number, metric: number): void {
    if (metric < this.#bestMetric) {
      this.#bestMetric = metric;
      this.bestIteration = it;
    } else if (it - this.bestIteration >= this.#p.early_stopping_round) {
      this.stopped = true;
    }
  }
}

/** Bernoulli row sample redrawn every bagging_freq rounds; in-bag and out-of-bag lists, no reallocation. */
class RowBag {
  #rows: Int32Array;
  #inCount = 0;

  constructor(n: number) {
    this.#rows = new Int32Array(n);
  }

  /** Each row joins the bag with probability `fraction`; in-bag rows first, out-of-bag at the end. */
  draw(fraction: number, random: UniformSource): void {
    const n = this.#rows.length;
    let front = 0, back = n;
    for (let i = 0; i < n; i++) {
      if (random() < fraction) this.#rows[front++] = i;
      else this.#rows[--back] = i;
    }
    this.#inCount = front;
  }

  inBag(): Int32Array {
    return this.#rows.subarray(0, this.#inCount);
  }

  outOfBag(): Int32Array {
    return this.#rows.subarray(this.#inCount);
  }
}
