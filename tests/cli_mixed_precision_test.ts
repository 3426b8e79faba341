/**
 * `training.mixed_precision=true` as a user runs it (`deno task batteryml run …`, the task's own
 * permissions, default data), on Mesa's software adapter here and in CI (it offers shader-f16):
 *
 * - on WebGPU the mlp trains with float16 dense products: exit 0, the notice says so, every epoch logs its
 *   loss scale and skipped steps, and the test RMSE is within 1e-2 relative of the float32 run's — while the
 *   predictions are not bit-identical (float16 was used). Tolerance: float16's unit roundoff is 4.9e-4 per
 *   product; five epochs of such steps moved the training losses by ≤ 2e-4 relative
 *   (tests/lib/train/mixed_precision_test.ts), so 1e-2 leaves room and still catches a broken product
 *   (those move the RMSE by tens of percent).
 * - `training.loss_scale_init` changes the outcome: starting at 2^40 every early step overflows, the scale
 *   halves down step by step, those steps are skipped, and the RMSE moves.
 * - on wasm the request is refused with the reason and the run is the float32 run, byte for byte.
 */
import assert from "node:assert/strict";
import { isAbsolute, join } from "node:path";
import { batteryml, projectOutputDir, ROOT } from "./robustness/_runs.ts";
import { probeWebGpu } from "../lib/train/mod.ts";

const IN_CI = Deno.env.get("CI") === "true";
const adapter = await probeWebGpu();

interface RunOutput {
  stderr: string;
  /** `<fit>/<metric>@<epoch>` → value. */
  metrics: Map<string, number>;
  yTrue: number[];
  yPred: number[];
  predictionsCsv: string;
}

async function run(backend: "wasm" | "webgpu", overrides: string[]): Promise<RunOutput> {
  const out = await projectOutputDir();
  try {
    const r = await batteryml([
      "run",
      "--backend",
      backend,
      `output.dir=${out.rel}`,
      "model=mlp",
      "training.epochs=5",
      ...overrides,
    ]);
    assert.equal(r.code, 0, r.stderr);
    const runDir = r.stdout.match(/^run \S+ \(FINISHED\) → (.+)$/m)?.[1];
    assert.ok(runDir, r.stdout);
    const dir = isAbsolute(runDir) ? runDir : join(ROOT, runDir);
    const records = JSON.parse(await Deno.readTextFile(join(dir, "metrics.json"))) as {
      step: number;
      values: Record<string, number>;
    }[];
    const metrics = new Map<string, number>();
    for (const rec of records) {
      for (const [k, v] of Object.entries(rec.values)) metrics.set(`${k}@${rec.step}`, v);
    }
    const predictionsCsv = await Deno.readTextFile(join(dir, "predictions.csv"));
    const rows = predictionsCsv.trim().split("\n");
    const header = rows[0].split(",");
    const column = (name: string) => rows.slice(1).map((l) => Number(l.split(",")[header.indexOf(name)]));
    return { stderr: r.stderr, metrics, yTrue: column("y_true"), yPred: column("y_pred"), predictionsCsv };
  } finally {
    await out.dispose();
  }
}

function rmse(r: RunOutput): number {
  const sq = r.yPred.reduce((a, y, i) => a + (y - r.yTrue[i]) ** 2, 0);
  return Math.sqrt(sq / r.yPred.length);
}

/** The values of one metric over the epochs of the inner fit, in epoch order. */
function series(r: RunOutput, metric: string): number[] {
  return [...r.metrics].filter(([k]) => k.includes(`/inner/${metric}@`)).map(([, v]) => v);
}

Deno.test({
  name: "run --backend webgpu model=mlp training.mixed_precision=true: float16 products, RMSE near float32's",
  ignore: adapter === null && !IN_CI,
  async fn() {
    assert.ok(adapter, "CI=true but navigator.gpu offers no adapter: install mesa-vulkan-drivers libvulkan1");
    const f32 = await run("webgpu", []);
    const mixed = await run("webgpu", ["training.mixed_precision=true"]);
    assert.match(mixed.stderr, /mixed precision: dense-layer products in float16 with float32 accumulation/);
    assert.doesNotMatch(mixed.stderr, /synchronously reading data from GPU/);
    assert.deepEqual(series(mixed, "loss_scale"), [65536, 65536, 65536, 65536, 65536]);
    assert.deepEqual(series(mixed, "skipped_steps"), [0, 0, 0, 0, 0]);
    assert.deepEqual(series(f32, "loss_scale"), [], "a float32 run logs no loss scale");
    const [a, b] = [rmse(mixed), rmse(f32)];
    assert.ok(Math.abs(a - b) <= 1e-2 * b, `RMSE mixed ${a} vs float32 ${b}`);
    assert.notDeepEqual(mixed.yPred, f32.yPred, "bit-identical predictions: float16 was not used");

    // A loss scale far too large: early steps overflow and are skipped while the scale halves.
    const huge = await run("webgpu", [
      "training.mixed_precision=true",
      "training.loss_scale_init=1099511627776",
    ]);
    const skipped = series(huge, "skipped_steps"), scales = series(huge, "loss_scale");
    assert.ok(skipped[0] > 0, `skipped steps ${skipped}`);
    assert.ok(
      scales[0] < 2 ** 40 && scales.every((s, i) => i === 0 || s <= scales[i - 1]),
      `scales ${scales}`,
    );
    assert.notEqual(rmse(huge), a, "loss_scale_init changed nothing");
  },
});

Deno.test("run --backend wasm training.mixed_precision=true: refused with the reason, the float32 run", async () => {
  const f32 = await run("wasm", []);
  const mixed = await run("wasm", ["training.mixed_precision=true"]);
  assert.match(
    mixed.stderr,
    /mixed precision requested, but the wasm backend has no float16 kernels \(mixed precision needs WebGPU with shader-f16\): training in float32/,
  );
  assert.equal(mixed.predictionsCsv, f32.predictionsCsv);
});
