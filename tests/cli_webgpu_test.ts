/**
 * `batteryml run --backend webgpu` as a user runs it (`deno task batteryml …`, the task's own permissions),
 * on Mesa's software adapter here and in CI: mlp, lstm_attn and neural_ode train on WebGPU and their run
 * per-epoch metrics (training and validation loss, gradient norm of every fit) and predictions match the same
 * runs on wasm within 1e-4 relative (float32 summation order, see
 * tests/plugins/models/webgpu_training_test.ts; measured ≤ 5e-7 on the headline metric).
 * tfjs-webgpu warns on stderr at any synchronous read; no run may print that warning.
 */
import assert from "node:assert/strict";
import { isAbsolute, join } from "node:path";
import { batteryml, projectOutputDir, ROOT } from "./robustness/_runs.ts";
import { probeWebGpu } from "../lib/train/mod.ts";

const IN_CI = Deno.env.get("CI") === "true";
const adapter = await probeWebGpu();

/** What a run leaves to compare: every per-epoch metric of every fit, and every prediction. */
interface RunOutput {
  stderr: string;
  metrics: Map<string, number>;
  predictions: number[];
}

async function run(backend: "wasm" | "webgpu", overrides: string[]): Promise<RunOutput> {
  const out = await projectOutputDir();
  try {
    const r = await batteryml(["run", "--backend", backend, `output.dir=${out.rel}`, ...overrides]);
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
    const rows = (await Deno.readTextFile(join(dir, "predictions.csv"))).trim().split("\n");
    const col = rows[0].split(",").indexOf("y_pred");
    return { stderr: r.stderr, metrics, predictions: rows.slice(1).map((l) => Number(l.split(",")[col])) };
  } finally {
    await out.dispose();
  }
}

const RUNS: string[][] = [
  ["model=mlp", "training.epochs=3"],
  ["model=lstm_attn", "pipeline=latent_ode_seq", "training.epochs=5"],
  ["model=neural_ode", "pipeline=latent_ode_seq", "training.epochs=5"],
];

for (const overrides of RUNS) {
  Deno.test({
    name: `run --backend webgpu ${overrides.join(" ")} trains and matches wasm`,
    ignore: adapter === null && !IN_CI,
    async fn() {
      assert.ok(
        adapter,
        "CI=true but navigator.gpu offers no adapter: install mesa-vulkan-drivers libvulkan1",
      );
      const wasm = await run("wasm", overrides);
      const gpu = await run("webgpu", overrides);
      assert.match(gpu.stderr, /tfjs backend: webgpu \(requested\)/);
      assert.doesNotMatch(gpu.stderr, /synchronously reading data from GPU/);
      const close = (a: number, b: number, what: string) =>
        assert.ok(Math.abs(a - b) <= 1e-4 * Math.max(1e-3, Math.abs(b)), `${what}: webgpu ${a} vs wasm ${b}`);
      assert.deepEqual([...gpu.metrics.keys()], [...wasm.metrics.keys()]);
      assert.ok(
        [...wasm.metrics.keys()].some((k) => /val_loss@5$|val_loss@3$/.test(k)),
        "per-epoch losses recorded",
      );
      for (const [k, v] of wasm.metrics) close(gpu.metrics.get(k)!, v, k);
      assert.equal(gpu.predictions.length, wasm.predictions.length);
      wasm.predictions.forEach((v, i) => close(gpu.predictions[i], v, `prediction ${i}`));
    },
  });
}
