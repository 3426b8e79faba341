/**
 * W3 benchmark: one training step of the peer kit's BiLSTM + self-attention regressor
 * (shared/bench/README.md, "W3"): LSTM(8→64, 2 layers, bidirectional) → MultiheadAttention(128, 4 heads)
 * with residual + LayerNorm(128) → mean over time → Linear(128,64)-ReLU-Linear(64,1); MSE; Adam(lr 1e-3);
 * batch 32 × 50 steps × 8 features, the same batch every step. 211,841 parameters: like torch, each LSTM
 * direction has two bias vectors (b_ih + b_hh). Own seeded data and init (U(±1/√H) for the LSTM, as torch);
 * weights are not portable, shapes and the step are.
 *
 * Speed-ups (docs/results.md, section 6): each LSTM direction is one custom-gradient op
 * (lib/nn/kernels/lstm_sequence.ts; both directions of a layer in one op, bidirectional_lstm.ts), the attention over all heads is one op on the packed [q | k | v]
 * projection (lib/nn/kernels/attention.ts), both calling XNNPACK directly on typed arrays
 * (lib/nn/kernels/gemm.ts); the sequence stays time-major, and the wasm BatchMatMul kernel is replaced by
 * one that transposes explicitly and takes XNNPACK's path (the remaining dense layers). The LSTM cell
 * arithmetic runs in a small SIMD wasm module (lib/nn/kernels/lstm_cell_wasm.ts; W3_JS_CELL=1 for the JS loops).
 *
 * Run: deno run --allow-read --allow-env scripts/bench/w3_lstm_attn.ts [--runs 5] [--steps 50] [--warmup 10]
 *      [--blas openblas] (then also --allow-ffi: the system's OpenBLAS, lib/blas)
 */
import * as tf from "@tensorflow/tfjs";
import { createOptimizer, selectBackend } from "../../lib/train/mod.ts";
import {
  bidirectionalLstmSequence,
  installWasmBatchMatMul,
  packedMultiHeadAttention,
  setLstmCellWasm,
} from "../../lib/nn/mod.ts";
import { loadOpenBlas, useNativeBlas } from "../../lib/blas/mod.ts";
import { normalFrom, SeededRandom } from "../../lib/random/mod.ts";
import { runInOwnProcess } from "./own_process.ts";

/** Options of `benchW3`. */
export interface W3Options {
  runs: number;
  steps: number;
  warmup: number;
  batch?: number;
  backend?: string;
  /** Sequence length (default 50, the kit's W3; the scaling series also runs 25 and 100). */
  seqLen?: number;
  /** The products' library on wasm: XNNPACK (builtin, default) or the system's OpenBLAS (`training.blas`). */
  blas?: "builtin" | "openblas";
}

/** Milliseconds per step per run, the last loss, the parameter count and the backend. */
export interface W3Result {
  msPerStep: number[];
  finalLoss: number;
  params: number;
  backend: string;
}

const SEQ_LEN = 50, F = 8, H = 64, D = 2 * H, HEADS = 4;

interface LstmDirection {
  w: tf.Variable;
  u: tf.Variable;
  bIh: tf.Variable;
  bHh: tf.Variable;
}

class W3Model {
  readonly vars: tf.Variable[] = [];
  readonly lstm: LstmDirection[][] = [];
  readonly inProj: tf.Variable;
  readonly inBias: tf.Variable;
  readonly outProj: tf.Variable;
  readonly outBias: tf.Variable;
  readonly gamma: tf.Variable;
  readonly beta: tf.Variable;
  readonly head: tf.Variable[];

  constructor(readonly rng: SeededRandom) {
    for (const inDim of [F, D]) {
      this.lstm.push([0, 1].map(() => ({
        w: this.#uniform([inDim, 4 * H], 1 / Math.sqrt(H)),
        u: this.#uniform([H, 4 * H], 1 / Math.sqrt(H)),
        bIh: this.#uniform([4 * H], 1 / Math.sqrt(H)),
        bHh: this.#uniform([4 * H], 1 / Math.sqrt(H)),
      })));
    }
    this.inProj = this.#uniform([D, 3 * D], Math.sqrt(6 / (D + 3 * D)));
    this.inBias = this.#constant([3 * D], 0);
    this.outProj = this.#uniform([D, D], 1 / Math.sqrt(D));
    this.outBias = this.#constant([D], 0);
    this.gamma = this.#constant([D], 1);
    this.beta = this.#constant([D], 0);
    this.head = [
      this.#uniform([D, 64], 1 / Math.sqrt(D)),
      this.#uniform([64], 1 / Math.sqrt(D)),
      this.#uniform([64, 1], 1 / 8),
      this.#uniform([1], 1 / 8),
    ];
  }

  #uniform(shape: number[], bound: number): tf.Variable {
    const n = shape.reduce((a, b) => a * b, 1);
    const v = tf.variable(
      tf.tensor(Float32Array.from({ length: n }, () => (2 * this.rng.uniform() - 1) * bound), shape),
    );
    this.vars.push(v);
    return v;
  }

  #constant(shape: number[], value: number): tf.Variable {
    const v = tf.variable(tf.fill(shape, value));
    this.vars.push(v);
    return v;
  }

  /** x time-major (T, B, F) → prediction (B, 1). */
  forward(x: tf.Tensor3D): tf.Tensor2D {
    let h = x;
    for (const [fwd, bwd] of this.lstm) {
      const weights = (p: LstmDirection) => ({
        w: p.w as tf.Tensor2D,
        u: p.u as tf.Tensor2D,
        b: tf.add(p.bIh, p.bHh) as tf.Tensor1D,
      });
      h = bidirectionalLstmSequence(h, weights(fwd), weights(bwd));
    }
    const [T, B] = x.shape;
    const seq = tf.transpose(h, [1, 0, 2]) as tf.Tensor3D; // (B, T, D)
    const flat = tf.reshape(seq, [B * T, D]) as tf.Tensor2D;
    const attended = this.#attention(flat, B, T);
    const normed = layerNorm(tf.add(flat, attended) as tf.Tensor2D, this.gamma, this.beta);
    const pooled = tf.mean(tf.reshape(normed, [B, T, D]), 1) as tf.Tensor2D;
    const hidden = tf.relu(
      tf.add(tf.matMul(pooled, this.head[0] as tf.Tensor2D), this.head[1]),
    ) as tf.Tensor2D;
    return tf.add(tf.matMul(hidden, this.head[2] as tf.Tensor2D), this.head[3]) as tf.Tensor2D;
  }

  /** torch.nn.MultiheadAttention(h, h, h) on (B·T, D) rows. */
  #attention(flat: tf.Tensor2D, B: number, T: number): tf.Tensor2D {
    const qkv = tf.add(tf.matMul(flat, this.inProj as tf.Tensor2D), this.inBias);
    const packed = tf.reshape(qkv, [B, T, 3 * D]) as tf.Tensor3D;
    const merged = tf.reshape(packedMultiHeadAttention(packed, { heads: HEADS }).output, [B * T, D]);
    return tf.add(tf.matMul(merged as tf.Tensor2D, this.outProj as tf.Tensor2D), this.outBias) as tf.Tensor2D;
  }
}

function layerNorm(x: tf.Tensor2D, gamma: tf.Tensor, beta: tf.Tensor): tf.Tensor2D {
  const { mean, variance } = tf.moments(x, 1, true);
  return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, 1e-5))), gamma), beta) as tf.Tensor2D;
}

/** Runs W3: `warmup` steps, then `runs` repeats of `steps` timed steps. */
export async function benchW3(opts: W3Options): Promise<W3Result> {
  const backend = (await selectBackend((opts.backend ?? "wasm") as "wasm")).backend;
  if (backend === "wasm" && !Deno.env.get("W3_STOCK_MATMUL")) installWasmBatchMatMul();
  const previousBlas = useNativeBlas(opts.blas === "openblas" ? loadOpenBlas() : null);
  try {
    return await timeSteps(opts, backend);
  } finally {
    useNativeBlas(previousBlas);
  }
}

async function timeSteps(opts: W3Options, backend: string): Promise<W3Result> {
  // W3_JS_CELL=1: the LSTM cell in the scalar JS loops instead of the SIMD wasm module (A/B runs).
  if (Deno.env.get("W3_JS_CELL")) setLstmCellWasm(false);
  const B = opts.batch ?? 32, T = opts.seqLen ?? SEQ_LEN, rng = new SeededRandom(0);
  const x = tf.tensor3d(Float32Array.from({ length: T * B * F }, () => normalFrom(rng)), [T, B, F]);
  const y = tf.tensor2d(Float32Array.from({ length: B }, () => normalFrom(rng)), [B, 1]);
  const model = new W3Model(rng);
  const adam = createOptimizer(model.vars, { name: "adam", weightDecay: 0 });
  let loss = NaN;
  const step = async () => {
    const { value, grads } = tf.variableGrads(
      () => tf.losses.meanSquaredError(y, model.forward(x)) as tf.Scalar,
      model.vars,
    );
    await adam.apply(model.vars, model.vars.map((v) => grads[v.name]), 1e-3);
    loss = (await value.data())[0];
    tf.dispose([value, ...Object.values(grads)]);
  };
  for (let i = 0; i < opts.warmup; i++) await step();
  const msPerStep: number[] = [];
  for (let r = 0; r < opts.runs; r++) {
    const t0 = performance.now();
    for (let s = 0; s < opts.steps; s++) await step();
    msPerStep.push((performance.now() - t0) / opts.steps);
    console.error(
      `[lstm_attn ours] repeat ${r}: ${msPerStep[r].toFixed(2)} ms/step, loss ${loss.toFixed(4)}`,
    );
  }
  const params = model.vars.reduce((n, v) => n + v.size, 0);
  adam.dispose();
  tf.dispose([x, y, ...model.vars]);
  return { msPerStep, finalLoss: loss, params, backend };
}

/** `benchW3` in a fresh Deno process (own_process.ts); throws with the child's stderr when it fails. */
export function benchW3Process(opts: W3Options): Promise<W3Result> {
  const args = ["--runs", opts.runs, "--steps", opts.steps, "--warmup", opts.warmup].map(String);
  if (opts.blas) args.push("--blas", opts.blas);
  if (opts.seqLen) args.push("--seq", String(opts.seqLen));
  return runInOwnProcess<W3Result>(import.meta.url, args, `W3 (${opts.blas ?? "builtin"})`);
}

function flag(args: string[], name: string, fallback: string): string {
  const at = args.indexOf(`--${name}`);
  return at >= 0 && at + 1 < args.length ? args[at + 1] : fallback;
}

if (import.meta.main) {
  const a = Deno.args;
  const result = await benchW3({
    runs: Number(flag(a, "runs", "5")),
    steps: Number(flag(a, "steps", "50")),
    warmup: Number(flag(a, "warmup", "10")),
    backend: flag(a, "backend", "wasm"),
    blas: flag(a, "blas", "builtin") as W3Options["blas"],
    seqLen: Number(flag(a, "seq", "50")),
  });
  console.log(JSON.stringify(result));
}
