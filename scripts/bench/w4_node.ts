/**
 * W4 benchmark: one training epoch of the peer kit's latent neural ODE (shared/bench/README.md, "W4"):
 * encoder Linear(5,64)-tanh-Linear(64,64)-tanh-Linear(64,32) on x[:, 0, :]; dynamics
 * Linear(33,64)-tanh-Linear(64,64)-tanh-Linear(64,32) on cat[z, t]; decoder
 * Linear(32,64)-tanh-Linear(64,32)-tanh-Linear(32,1) at 16 times t_i = i/15; MSE against x[:, :, 0:1];
 * Adam(lr 1e-3); gradients by backprop through the solver (no adjoint). 19,265 parameters. rk4: 4 equal
 * steps per interval (240 evaluations per forward); dopri5: rtol 1e-3, atol 1e-4, steps land on every
 * output time (92 evaluations per forward with this model).
 *
 * The ODE solve is one tfjs op (lib/ode/tensor_op.ts) whose forward and backward run in plain float64
 * TypeScript; encoder, decoder, loss and Adam are tfjs-wasm ops. Own seeded data and PyTorch-style init
 * (U(±1/√fan_in)): weights are not portable, shapes and the epoch are.
 *
 * Run: deno run --allow-read --allow-env scripts/bench/w4_node.ts [--solver rk4|dopri5] [--runs 5]
 *      [--epochs 20] [--warmup 3] [--gradient backprop|adjoint] [--steps-per-interval 4]
 */
import * as tf from "@tensorflow/tfjs";
import { createOptimizer, hostBackend, selectBackend } from "../../lib/train/mod.ts";
import { normalFrom, SeededRandom } from "../../lib/random/mod.ts";
import {
  deviceOdeint,
  mlpDynamics,
  MlpField,
  odeint,
  type OdeOpOptions,
  planSolve,
  sharedTimeGrid,
  type SolvePlan,
} from "../../lib/ode/mod.ts";
import { runInOwnProcess } from "./own_process.ts";
import { loadOpenBlas, useNativeBlas } from "../../lib/blas/mod.ts";

/** Options of `benchW4`. */
export interface W4Options {
  solver: "rk4" | "dopri5";
  runs: number;
  epochs: number;
  warmup: number;
  backend?: string;
  /** Adjoint gradients (`W4_node_adjoint`) instead of backprop through the solver's steps. */
  adjoint?: boolean;
  /** rk4 steps per output interval (default 4, the kit's W4; the adjoint memory series varies it). */
  stepsPerInterval?: number;
  /** The field's float64 products in JS (builtin, default) or on the system's OpenBLAS (`training.blas`). */
  blas?: "builtin" | "openblas";
}

/** Seconds per epoch per run, NFE of the first forward, first and last losses. */
export interface W4Result {
  secondsPerEpoch: number[];
  nfeFirstForward: number;
  firstLoss: number;
  finalLoss: number;
  params: number;
  backend: string;
}

const BATCH = 8, STEPS = 16, FEATURES = 5, LATENT = 32, HIDDEN = 64;
const DYNAMICS = { stateWidth: LATENT, hidden: [HIDDEN, HIDDEN], timeInput: true };

interface Linear {
  w: tf.Variable;
  b: tf.Variable;
}

/** PyTorch's default Linear init: W and b uniform in ±1/√fan_in. */
function linear(nin: number, nout: number, rng: SeededRandom): Linear {
  const bound = 1 / Math.sqrt(nin);
  const draw = (n: number) => Float32Array.from({ length: n }, () => (2 * rng.uniform() - 1) * bound);
  return {
    w: tf.variable(tf.tensor2d(draw(nin * nout), [nin, nout])),
    b: tf.variable(tf.tensor1d(draw(nout))),
  };
}

/** Linear layers with tanh between them (none after the last). */
function mlp(x: tf.Tensor2D, layers: readonly Linear[]): tf.Tensor2D {
  let h = x;
  layers.forEach((l, i) => {
    h = tf.add(tf.matMul(h, l.w), l.b);
    if (i + 1 < layers.length) h = tf.tanh(h);
  });
  return h;
}

/** The W4 model and data. */
export class W4Model {
  readonly enc: Linear[];
  readonly dyn: Linear[];
  readonly dec: Linear[];
  readonly x0: tf.Tensor2D;
  readonly target: tf.Tensor3D;
  readonly grid = sharedTimeGrid(Array.from({ length: STEPS }, (_, i) => i / 15), BATCH);
  lastNfe = 0;
  /** GPU backends: the next solve's step plan (see lib/ode/device_solve.ts); null on wasm/cpu. */
  plan: SolvePlan | null = null;

  constructor(seed: number, readonly solve: OdeOpOptions) {
    const rng = new SeededRandom(seed);
    const x = Float32Array.from({ length: BATCH * STEPS * FEATURES }, () => normalFrom(rng));
    const xt = tf.tensor3d(x, [BATCH, STEPS, FEATURES]);
    this.x0 = tf.tidy(() => tf.squeeze(tf.slice(xt, [0, 0, 0], [BATCH, 1, FEATURES]), [1]) as tf.Tensor2D);
    this.target = tf.tidy(() => tf.slice(xt, [0, 0, 0], [BATCH, STEPS, 1]) as tf.Tensor3D);
    xt.dispose();
    this.enc = [linear(FEATURES, HIDDEN, rng), linear(HIDDEN, HIDDEN, rng), linear(HIDDEN, LATENT, rng)];
    this.dyn = [linear(LATENT + 1, HIDDEN, rng), linear(HIDDEN, HIDDEN, rng), linear(HIDDEN, LATENT, rng)];
    this.dec = [linear(LATENT, HIDDEN, rng), linear(HIDDEN, 32, rng), linear(32, 1, rng)];
  }

  params(): tf.Variable[] {
    return [...this.enc, ...this.dyn, ...this.dec].flatMap((l) => [l.w, l.b]);
  }

  /** On a GPU backend, plans the next solve (dopri5: one read per step attempt); nothing on wasm/cpu. */
  async prepare(): Promise<void> {
    if (hostBackend()) return;
    const z0 = tf.tidy(() => mlp(this.x0, this.enc));
    const dyn = this.dyn.flatMap((l) => [l.w, l.b]);
    this.plan = await planSolve((t, z) => mlpDynamics(DYNAMICS, dyn, t, z), z0, this.grid, this.solve);
    z0.dispose();
  }

  /** MSE of the decoded trajectory against the target. */
  loss(): tf.Scalar {
    const z0 = mlp(this.x0, this.enc);
    const dyn = this.dyn.flatMap((l) => [l.w, l.b]);
    const { y: z, stats } = this.plan
      ? { y: deviceOdeint(DYNAMICS, z0, dyn, this.grid, this.plan, this.solve), stats: this.plan.stats }
      : odeint((rows, theta) => new MlpField(DYNAMICS, rows, theta), z0, dyn, this.grid, this.solve);
    this.lastNfe = stats.nfe;
    const y = mlp(tf.reshape(z, [BATCH * STEPS, LATENT]) as tf.Tensor2D, this.dec);
    return tf.losses.meanSquaredError(tf.reshape(this.target, [BATCH * STEPS, 1]), y) as tf.Scalar;
  }
}

/** W4's solver settings. */
export function w4SolveOptions(solver: "rk4" | "dopri5", stepsPerInterval = 4): OdeOpOptions {
  return solver === "rk4"
    ? { method: "rk4", stepsPerInterval }
    : { method: "dopri5", rtol: 1e-3, atol: 1e-4, outputMode: "land" };
}

/** Runs W4: `warmup` epochs, then `runs` repeats of `epochs` timed epochs. */
export async function benchW4(opts: W4Options): Promise<W4Result> {
  const previous = useNativeBlas(opts.blas === "openblas" ? loadOpenBlas() : null);
  try {
    return await timeEpochs(opts);
  } finally {
    useNativeBlas(previous);
  }
}

async function timeEpochs(opts: W4Options): Promise<W4Result> {
  const backend = (await selectBackend((opts.backend ?? "wasm") as "wasm")).backend;
  const solve = { ...w4SolveOptions(opts.solver, opts.stepsPerInterval), adjoint: opts.adjoint ?? false };
  const model = new W4Model(0, solve);
  const params = model.params();
  const adam = createOptimizer(params, { name: "adam", weightDecay: 0 });
  let nfeFirstForward = -1, firstLoss = NaN, loss = NaN;
  const epoch = async () => {
    await model.prepare();
    const { value, grads } = tf.variableGrads(() => model.loss(), params);
    await adam.apply(params, params.map((p) => grads[p.name]), 1e-3);
    loss = (await value.data())[0];
    tf.dispose([value, ...Object.values(grads)]);
    if (nfeFirstForward < 0) [nfeFirstForward, firstLoss] = [model.lastNfe, loss];
  };
  for (let i = 0; i < opts.warmup; i++) await epoch();
  const secondsPerEpoch: number[] = [];
  for (let r = 0; r < opts.runs; r++) {
    const t0 = performance.now();
    for (let e = 0; e < opts.epochs; e++) await epoch();
    secondsPerEpoch.push((performance.now() - t0) / 1000 / opts.epochs);
    console.error(
      `[node ${opts.solver}${opts.adjoint ? " adjoint" : ""} ours] repeat ${r}: ${
        (secondsPerEpoch[r] * 1000).toFixed(2)
      } ms/epoch, ` +
        `nfe ${model.lastNfe}, loss ${loss.toFixed(4)}`,
    );
  }
  const count = params.reduce((n, p) => n + p.size, 0);
  adam.dispose();
  tf.dispose([...params, model.x0, model.target]);
  return { secondsPerEpoch, nfeFirstForward, firstLoss, finalLoss: loss, params: count, backend };
}

function flag(args: string[], name: string, fallback: string): string {
  const at = args.indexOf(`--${name}`);
  return at >= 0 && at + 1 < args.length ? args[at + 1] : fallback;
}

/** `benchW4` in a fresh Deno process (own_process.ts), as the torch peer runs in its own. */
export function benchW4Process(
  opts: {
    solver: "rk4" | "dopri5";
    runs: number;
    epochs: number;
    warmup: number;
    blas?: "builtin" | "openblas";
  },
): Promise<W4Result> {
  const { solver, runs, epochs, warmup } = opts;
  const args = ["--solver", solver, "--runs", `${runs}`, "--epochs", `${epochs}`, "--warmup", `${warmup}`];
  if (opts.blas) args.push("--blas", opts.blas);
  return runInOwnProcess<W4Result>(import.meta.url, args, `W4 (${solver})`);
}

if (import.meta.main) {
  const a = Deno.args;
  const result = await benchW4({
    solver: flag(a, "solver", "rk4") as "rk4" | "dopri5",
    runs: Number(flag(a, "runs", "5")),
    epochs: Number(flag(a, "epochs", "20")),
    warmup: Number(flag(a, "warmup", "3")),
    backend: flag(a, "backend", "wasm"),
    adjoint: flag(a, "gradient", "backprop") === "adjoint",
    stepsPerInterval: Number(flag(a, "steps-per-interval", "4")),
    blas: flag(a, "blas", "builtin") as W4Options["blas"],
  });
  console.log(JSON.stringify(result));
}
