/**
 * Every neural model trains on WebGPU (Mesa's software adapter here and in CI) exactly as on wasm: the
 * same per-epoch training and validation losses and predictions within float32 tolerance, on the same seed
 * and data, with gradient clipping active (the clip is below the gradient norms), early stopping armed
 * (patience with a validation set) and a checkpoint folder (mlp, lstm_attn). On WebGPU every synchronous read
 * (`dataSync`, `arraySync`, `bufferSync`) throws here, so a path that still reads synchronously fails.
 *
 * Tolerance: both backends compute in float32 with different summation orders (a GPU reduction sums in a
 * tree, wasm in sequence), ~1e-7 relative per operation; five epochs of Adam steps compound that to about
 * 1e-6 (measured: ≤ 5e-7 relative on the CLI runs of docs/results.md §13), so 1e-4 relative is tight enough
 * to catch a wrong clip, mask or step (those move the losses by percent) and loose enough for reordering.
 * acla forecasts (observed prefix of 2 RPTs, anchored) with its ODE in float64 on wasm and float32 on the
 * device: rk4 stays within 1e-4 (measured 2.8e-5); dopri5 gets 1e-3 (measured 2.1e-4), because its accepted
 * steps at rtol 1e-5 follow error estimates that differ between float32 and float64, so a step boundary
 * may move by up to the tolerance. Training runs use no augmented dimensions: those start at zero, their
 * gradients are rounding noise (~1e-10) that differs between float32 and float64, and Adam's normalised
 * step turns that noise into full-size updates (measured 9e-4 relative after 5 epochs with augment 1); the
 * augmented network is compared instead on one loss and gradient, where no optimizer amplifies anything.
 */
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { createRng } from "../../../core/rng.ts";
import type { ModelInstance } from "../../../core/plugin.ts";
import type { SampleSet } from "../../../core/sample.ts";
import { contractSampleSet, contractSequenceSet } from "../../../testing/mod.ts";
import { createLogger } from "../../../core/log.ts";
import { ParamStore, readAll, selectBackend } from "../../../lib/train/mod.ts";
import { forbidSyncReads, GPU_TEST, webgpuAdapter } from "../../fixtures/webgpu.ts";
import { type AclaConfig, buildAcla, forwardAcla, planAcla } from "../../../lib/ode/mod.ts";
import { SeededRandom } from "../../../lib/random/mod.ts";
import { resolveTrainingSettings } from "../../../lib/training_settings.ts";
import { createLocal } from "../../lib/nn/local_plugin.ts";
import { withObservedPrefix } from "../../../core/observe.ts";
import { fadeSequences } from "./sequence_models_fixtures.ts";

const log = createLogger({ quiet: true });

/** Makes every synchronous read throw while the webgpu backend is active; returns the undo. */

interface Trained {
  train: number[];
  val: number[];
  gradNorm: number[];
  y: Float32Array;
}

async function trainOn(
  backend: "wasm" | "webgpu",
  model: string,
  options: Record<string, unknown>,
  sets: { train: SampleSet; val: SampleSet; test: SampleSet; observe?: { rpts: number } },
): Promise<Trained> {
  await selectBackend(backend);
  const checkpoint = options.checkpoint_dir === null
    ? {}
    : { checkpoint_dir: await Deno.makeTempDir({ prefix: `batteryml-${backend}-ckpt-` }) };
  const { checkpoint_dir: _c, ...rest } = options;
  const m = await createLocal("model", `models/${model}.ts`, { ...rest, ...checkpoint }) as ModelInstance;
  const out: Trained = { train: [], val: [], gradNorm: [], y: new Float32Array() };
  await m.fit(sets.train, sets.val, {
    rng: createRng(3),
    log,
    label: "fit",
    observe: sets.observe ?? null,
    training: resolveTrainingSettings({
      backend,
      epochs: 5,
      batch_size: 2,
      learning_rate: 0.01,
      grad_clip: 0.004,
      patience: 3,
    }),
    metrics: (v: Record<string, number>) => {
      out.train.push(v.train_loss);
      out.val.push(v.val_loss);
      if (v.grad_norm !== undefined) out.gradNorm.push(v.grad_norm);
    },
  });
  out.y = Float32Array.from((await m.predict(sets.test)).y);
  return out;
}

function assertClose(got: ArrayLike<number>, want: ArrayLike<number>, what: string, tolerance = 1e-4) {
  assert.equal(got.length, want.length, what);
  for (let i = 0; i < want.length; i++) {
    assert.ok(
      Math.abs(got[i] - want[i]) <= tolerance * Math.max(1e-3, Math.abs(want[i])),
      `${what}[${i}]: webgpu ${got[i]} vs wasm ${want[i]}`,
    );
  }
}

const tabular = {
  train: contractSampleSet(1, 12),
  val: contractSampleSet(2, 6),
  test: contractSampleSet(3, 6),
};
const sequences = {
  train: contractSequenceSet(1, 6),
  val: contractSequenceSet(2, 3),
  test: contractSequenceSet(3, 3),
};

/** Forecasting sequences (the first 2 RPTs observed), as milestone D's acla runs see them. */
const stamp = (set: SampleSet) => withObservedPrefix(set, { rpts: 2 });
const forecasts = {
  train: stamp(fadeSequences(6, 6)),
  val: stamp(fadeSequences(3, 9)),
  test: stamp(fadeSequences(3, 12)),
  observe: { rpts: 2 },
};
const aclaSmall = {
  embed: 8,
  channels: 8,
  hidden: 8,
  latent: 3,
  augment: 0,
  dynamics_hidden: [8],
  decoder_hidden: 8,
};

const CASES: [string, string, Record<string, unknown>, typeof tabular, number?][] = [
  ["mlp", "mlp", { hidden: [8] }, tabular],
  ["lstm_attn (causal, padded)", "lstm_attn", { hidden: 8, heads: 2 }, sequences],
  [
    "lstm_attn (bidirectional)",
    "lstm_attn",
    { hidden: 8, heads: 2, causal: false, bidirectional: true },
    sequences,
  ],
  [
    "neural_ode (rk4)",
    "neural_ode",
    { solver: "rk4", latent_dim: 3, hidden: 8, checkpoint_dir: null },
    sequences,
  ],
  ["neural_ode (dopri5)", "neural_ode", { latent_dim: 3, hidden: 8, checkpoint_dir: null }, sequences],
  [
    "neural_ode (dopri5, adjoint)",
    "neural_ode",
    { latent_dim: 3, hidden: 8, adjoint: true, checkpoint_dir: null },
    sequences,
  ],
  ["acla (rk4, forecasting)", "acla", { ...aclaSmall, solver: "rk4" }, forecasts],
  ["acla (dopri5, forecasting)", "acla", { ...aclaSmall, solver: "dopri5" }, forecasts, 1e-3],
];

for (const [name, model, options, sets, tolerance] of CASES) {
  Deno.test({
    name: `${name} trains 5 epochs on WebGPU with no synchronous read, matching wasm epoch by epoch`,
    ...GPU_TEST,
    async fn() {
      assert.ok(
        webgpuAdapter,
        "CI=true but navigator.gpu offers no adapter: install mesa-vulkan-drivers libvulkan1",
      );
      const wasm = await trainOn("wasm", model, options, sets);
      const undo = forbidSyncReads();
      let gpu: Trained;
      try {
        gpu = await trainOn("webgpu", model, options, sets);
      } finally {
        undo();
        await selectBackend("wasm");
      }
      assert.equal(wasm.train.length, 5);
      assertClose(gpu.train, wasm.train, "train loss", tolerance);
      assertClose(gpu.val, wasm.val, "validation loss", tolerance);
      assertClose(gpu.y, wasm.y, "prediction", tolerance);
      // The clip was active: the gradient norms before clipping exceed it (lstm_attn and mlp report them).
      if (wasm.gradNorm.length) {
        assert.ok(Math.max(...wasm.gradNorm) > 0.004, `grad norms ${wasm.gradNorm}`);
        assertClose(gpu.gradNorm, wasm.gradNorm, "gradient norm", tolerance);
      }
    },
  });
}

Deno.test({
  name: "acla (augmented, rk4 and dopri5): one loss and gradient on WebGPU match wasm",
  ...GPU_TEST,
  async fn() {
    assert.ok(
      webgpuAdapter,
      "CI=true but navigator.gpu offers no adapter: install mesa-vulkan-drivers libvulkan1",
    );
    for (const solver of ["rk4", "dopri5"] as const) {
      const wasm = await aclaGradient("wasm", solver);
      const undo = forbidSyncReads();
      let gpu: number[];
      try {
        gpu = await aclaGradient("webgpu", solver);
      } finally {
        undo();
        await selectBackend("wasm");
      }
      // Loss first, then every gradient value: all within 1e-4 of the largest magnitude.
      const scale = Math.max(...wasm.map(Math.abs));
      wasm.forEach((w, i) =>
        assert.ok(Math.abs(gpu[i] - w) <= 1e-4 * scale, `${solver} value ${i}: webgpu ${gpu[i]} vs wasm ${w}`)
      );
    }
  },
});

/** Loss and gradients (flattened) of an augmented acla network on forecasting inputs, on `backend`. */
async function aclaGradient(backend: "wasm" | "webgpu", solver: "rk4" | "dopri5"): Promise<number[]> {
  await selectBackend(backend);
  const cfg: AclaConfig = {
    inputDim: 4,
    embed: 4,
    heads: 2,
    channels: 3,
    kernel: 2,
    hidden: 3,
    latent: 2,
    augment: 2,
    dynamicsHidden: [4],
    decoderHidden: 3,
    outputs: 1,
    timeChannel: 1,
    anchor: { yAnchor: 2, tau: 3 },
    solver,
    stepsPerInterval: 2,
  };
  const store = new ParamStore();
  const p = buildAcla(store, cfg, new SeededRandom(4));
  // Rows of [feature, time, anchor, τ] with their origins at steps 1 and 2; the second row is padded.
  const xs = Float32Array.from({ length: 2 * 5 * 4 }, (_, j) => {
    const [row, step, channel] = [Math.floor(j / 20), Math.floor(j / 4) % 5, j % 4];
    const origin = row + 1;
    return [Math.sin(step + row), 0.3 * step, 0.5 - 0.1 * row, 0.3 * (step - origin)][channel];
  });
  const mask = Float32Array.from([1, 1, 1, 1, 1, 1, 1, 1, 1, 0]);
  const schedule = await planAcla(p, cfg, { x: xs, stepMask: mask, rows: 2, steps: 5, width: 4 });
  const x = tf.tensor3d(xs, [2, 5, 4]), m = tf.tensor2d(mask, [2, 5]);
  const target = tf.tensor3d(Float32Array.from({ length: 10 }, (_, i) => 0.4 + 0.05 * Math.cos(i)), [
    2,
    5,
    1,
  ]);
  const { value, grads } = tf.variableGrads(() =>
    tf.sum(
      tf.mul(tf.square(tf.sub(forwardAcla(p, cfg, x, m, schedule).y, target)), tf.expandDims(m, 2)),
    ) as tf.Scalar
  );
  const names = store.list().map((v) => v.name);
  const values = await readAll([value, ...names.map((n) => grads[n])]);
  tf.dispose([x, m, target, value, ...Object.values(grads)]);
  store.dispose();
  return values.flatMap((a) => Array.from(a));
}
