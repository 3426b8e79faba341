/**
 * cnn_lstm and acla end to end, as a user runs them (`deno task batteryml run …` under the task's flags),
 * on the four degradation targets (pipeline=degradation_modes) forecast from the first 3 RPTs: the run
 * scores every target, and changing a model option (cnn_lstm's kernel, acla's ANODE augmentation and
 * what its forecasts are anchored on) changes the result.
 */
import assert from "node:assert/strict";
import { batteryml, projectOutputDir } from "./robustness/_runs.ts";

async function rmseByTarget(outDir: string, args: string[]): Promise<Record<string, number>> {
  const r = await batteryml([
    "run",
    "pipeline=degradation_modes",
    "evaluation.observe={rpts: 3}",
    "training.epochs=2",
    ...args,
    "--json",
    "--quiet",
    `output.dir=${outDir}`,
  ]);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout).report as Record<string, { overall: { rmse: number; n: number } }>;
  return Object.fromEntries(Object.entries(report).map(([k, v]) => [k, v.overall.rmse]));
}

for (
  const [model, option, a, b] of [
    ["cnn_lstm", "model.kernel", "1", "3"],
    ["acla", "model.augment", "0", "2"],
    ["acla", "model.anchor_baseline", "last_value", "fade_rate"],
  ] as const
) {
  Deno.test(`run model=${model} forecasts SOH, LLI, LAM_PE, LAM_NE; ${option}=${a} vs ${b} changes the result`, async () => {
    const out = await projectOutputDir();
    try {
      const first = await rmseByTarget(out.rel, [`model=${model}`, `${option}=${a}`]);
      assert.deepEqual(Object.keys(first).sort(), ["lam_ne", "lam_pe", "lli", "soh"]);
      assert.ok(Object.values(first).every((v) => Number.isFinite(v) && v > 0), JSON.stringify(first));
      const second = await rmseByTarget(out.rel, [`model=${model}`, `${option}=${b}`]);
      assert.notEqual(second.soh, first.soh);
    } finally {
      await out.dispose();
    }
  });
}
