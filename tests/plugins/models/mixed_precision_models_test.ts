/**
 * Mixed precision reaches the dense layers of the sequence models too (lstm_attn's attention projections and
 * head, cnn_lstm's, through lib/nn's `dense`): on WebGPU with shader-f16 (Mesa's software adapter here and in
 * CI) five epochs with `training.mixed_precision=true` give per-epoch training losses within 1e-2 relative of
 * the float32 run on the same seed and data, and not identical ones (float16 was used). Measured: ≤ 6e-4.
 */
import assert from "node:assert/strict";
import { createRng } from "../../../core/rng.ts";
import type { ModelInstance } from "../../../core/plugin.ts";
import { contractSequenceSet } from "../../../testing/mod.ts";
import { createLogger } from "../../../core/log.ts";
import { probeWebGpu, selectBackend } from "../../../lib/train/mod.ts";
import { resolveTrainingSettings } from "../../../lib/training_settings.ts";
import { createLocal } from "../../lib/nn/local_plugin.ts";

const IN_CI = Deno.env.get("CI") === "true";
const adapter = await probeWebGpu();
const log = createLogger({ quiet: true });
const sets = { train: contractSequenceSet(1, 6), val: contractSequenceSet(2, 3) };

async function trainLosses(
  model: string,
  options: Record<string, unknown>,
  mixed: boolean,
): Promise<number[]> {
  const m = await createLocal("model", `models/${model}.ts`, options) as ModelInstance;
  const losses: number[] = [];
  await m.fit(sets.train, sets.val, {
    rng: createRng(3),
    log,
    label: "fit",
    training: resolveTrainingSettings({
      backend: "webgpu",
      epochs: 5,
      batch_size: 2,
      learning_rate: 0.01,
      grad_clip: 0.004,
      mixed_precision: mixed,
    }),
    metrics: (v: Record<string, number>) => void losses.push(v.train_loss),
  });
  return losses;
}

for (const [model, options] of [["lstm_attn", { hidden: 8, heads: 2 }], ["cnn_lstm", {}]] as const) {
  Deno.test({
    name: `${model} trains in mixed precision on WebGPU within 1e-2 of float32, not identically`,
    ignore: adapter === null && !IN_CI,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn() {
      assert.ok(
        adapter,
        "CI=true but navigator.gpu offers no adapter: install mesa-vulkan-drivers libvulkan1",
      );
      try {
        const f32 = await trainLosses(model, options, false);
        const f16 = await trainLosses(model, options, true);
        assert.equal(f16.length, 5);
        f32.forEach((want, i) =>
          assert.ok(
            Math.abs(f16[i] - want) <= 1e-2 * want,
            `epoch ${i + 1}: mixed ${f16[i]} vs float32 ${want}`,
          )
        );
        assert.notDeepEqual(f16, f32, "identical losses: float16 was not used");
      } finally {
        await selectBackend("wasm");
      }
    },
  });
}
