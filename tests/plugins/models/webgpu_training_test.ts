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
 */
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { createRng } from "../../../core/rng.ts";
import type { ModelInstance } from "../../../core/plugin.ts";
import type { SampleSet } from "../../../core/sample.ts";
import { contractSampleSet, contractSequenceSet } from "../../../testing/mod.ts";
import { createLogger } from "../../../core/log.ts";
import { probeWebGpu, selectBackend } from "../../../lib/train/mod.ts";
import { resolveTrainingSettings } from "../../../lib/training_settings.ts";
import { createLocal } from "../../lib/nn/local_plugin.ts";

const IN_CI = Deno.env.get("CI") === "true";
const adapter = await probeWebGpu();
const log = createLogger({ quiet: true });

/** Makes every synchronous read throw while the webgpu backend is active; returns the undo. */
function forbidSyncReads(): () => void {
  const proto = tf.Tensor.prototype as unknown as Record<string, (...a: unknown[]) => unknown>;
  const saved = ["dataSync", "arraySync", "bufferSync"].map((name) => [name, proto[name]] as const);
  for (const [name, original] of saved) {
    proto[name] = function (this: unknown, ...args: unknown[]) {
      if (tf.getBackend() === "webgpu") throw new Error(`synchronous read ${name}() on WebGPU`);
      return original.apply(this, args);
    };
  }
  return () => saved.forEach(([name, original]) => proto[name] = original);
}

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
  sets: { train: SampleSet; val: SampleSet; test: SampleSet },
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

function assertClose(got: ArrayLike<number>, want: ArrayLike<number>, what: string) {
  assert.equal(got.length, want.length, what);
  for (let i = 0; i < want.length; i++) {
    assert.ok(
      Math.abs(got[i] - want[i]) <= 1e-4 * Math.max(1e-3, Math.abs(want[i])),
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

const CASES: [string, string, Record<string, unknown>, typeof tabular][] = [
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
];

for (const [name, model, options, sets] of CASES) {
  Deno.test({
    name: `${name} trains 5 epochs on WebGPU with no synchronous read, matching wasm epoch by epoch`,
    ignore: adapter === null && !IN_CI,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn() {
      assert.ok(
        adapter,
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
      assertClose(gpu.train, wasm.train, "train loss");
      assertClose(gpu.val, wasm.val, "validation loss");
      assertClose(gpu.y, wasm.y, "prediction");
      // The clip was active: the gradient norms before clipping exceed it (lstm_attn and mlp report them).
      if (wasm.gradNorm.length) {
        assert.ok(Math.max(...wasm.gradNorm) > 0.004, `grad norms ${wasm.gradNorm}`);
        assertClose(gpu.gradNorm, wasm.gradNorm, "gradient norm");
      }
    },
  });
}
