/**
 * Threads end to end as a user runs them (`deno task batteryml run …` under the task's flags): ICA on
 * Workers (`pipeline.threads`) and GBDT histograms on Workers (`model.num_threads`) give byte-identical
 * predictions to one thread — the options change where the work runs, never the numbers — and are recorded
 * in the manifest; left out, they are absent from the composed config (existing hashes unchanged). Each run
 * has its own output folder, so ICA features are computed (not read from another run's cache).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { batteryml, projectOutputDir } from "./robustness/_runs.ts";

async function run(outDir: string, args: string[]) {
  const r = await batteryml([
    "run",
    "data=synthetic_curves",
    "pipeline=ica_peaks",
    ...args,
    "--json",
    "--quiet",
    `output.dir=${outDir}`,
  ]);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as { runDir: string };
}

Deno.test("run pipeline.threads=2 model.num_threads=2: predictions byte-identical to one thread, threads in the manifest", async () => {
  const one = await projectOutputDir(), two = await projectOutputDir();
  try {
    const single = await run(one.rel, ["model=lgbm"]);
    const threaded = await run(two.rel, ["model=lgbm", "pipeline.threads=2", "model.num_threads=2"]);
    const predictions = (r: { runDir: string }) => Deno.readTextFile(join(r.runDir, "predictions.csv"));
    const [a, b] = [await predictions(single), await predictions(threaded)];
    assert.ok(a.split("\n").length > 10, "predictions were written");
    assert.equal(b, a);
    const manifest = async (r: { runDir: string }) =>
      JSON.parse(await Deno.readTextFile(join(r.runDir, "manifest.json")));
    const [m1, m2] = [await manifest(single), await manifest(threaded)];
    assert.equal(m2.config.pipeline.threads, 2);
    assert.equal(m2.config.model.num_threads, 2);
    assert.equal(m1.config.pipeline.threads, undefined);
    assert.equal(m1.config.model.num_threads, undefined);
  } finally {
    await one.dispose();
    await two.dispose();
  }
});

Deno.test("run model.num_threads=0 / pipeline.threads=1.5: refused, naming the key", async () => {
  const out = await projectOutputDir();
  try {
    for (
      const [override, key] of [["model.num_threads=0", "num_threads"], ["pipeline.threads=1.5", "threads"]]
    ) {
      const r = await batteryml([
        "run",
        "data=synthetic_curves",
        "pipeline=ica_peaks",
        "model=lgbm",
        override,
        "--quiet",
        `output.dir=${out.rel}`,
      ]);
      assert.notEqual(r.code, 0, override);
      assert.match(r.stderr, new RegExp(key), r.stderr);
    }
  } finally {
    await out.dispose();
  }
});
