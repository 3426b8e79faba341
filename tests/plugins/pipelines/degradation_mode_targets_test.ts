/**
 * Degradation modes as sequence targets of `latent_ode_seq`: the values of `soh`, `lli`, `lam_pe`, `lam_ne`
 * in the samples must be the Performance Summary's own columns (`SoH` recomputed from C/10, `LLI`, `LAM PE`,
 * `LAM NE_tot` — not the graphite or silicon share), read here straight from the CSV text with a plain split.
 * Samples hold float32, hence the 1e-6 tolerance (the files carry 6 decimals).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { createPlugin, loadPlugin } from "../../../core/loader.ts";
import { restrictToCells } from "../../../core/view.ts";
import type { SampleSet } from "../../../core/sample.ts";
import { directionOf } from "../../../lib/sequence/mod.ts";
import { synthesize } from "../../../lib/m50t/mod.ts";
import { createLogger } from "../../../core/log.ts";
import { realDataRoot, requireRealData } from "../datasets/m50t/helpers.ts";
import { testContext } from "../../lib/nn/local_plugin.ts";

const MODES = ["soh", "lli", "lam_pe", "lam_ne"];

/** Column → values of a Performance Summary CSV (no quoted fields in these files). */
async function csvColumns(path: string): Promise<Record<string, number[]>> {
  const [head, ...rows] = (await Deno.readTextFile(path)).trim().split("\n");
  const names = head.split(",");
  const out: Record<string, number[]> = {};
  names.forEach((n, j) => out[n] = rows.map((r) => Number(r.split(",")[j])));
  return out;
}

async function modeSequences(root: string, experiment: string): Promise<SampleSet> {
  const data = await createPlugin(
    await loadPlugin("m50t", "dataset"),
    { root, experiment },
    testContext,
    "data",
  );
  const keys = (await data.cells()).map((c) => c.cellKey);
  const pipeline = await createPlugin(
    await loadPlugin("latent_ode_seq", "pipeline"),
    { targets: MODES, standardize: false },
    testContext,
    "pipeline",
  );
  const fitted = await pipeline.fit(restrictToCells(data, keys));
  return await fitted.transform(restrictToCells(data, keys));
}

/** Target k of sample i, over its real steps. */
function targetSeries(set: SampleSet, i: number, k: number): number[] {
  const T = set.steps, K = set.targetNames.length;
  return Array.from({ length: set.lengths[i] }, (_, s) => set.y[(i * T + s) * K + k]);
}

function assertClose(got: number[], want: number[], tol: number, what: string) {
  assert.equal(got.length, want.length, `${what}: length`);
  got.forEach((g, s) => assert.ok(Math.abs(g - want[s]) <= tol, `${what} step ${s}: ${g} vs ${want[s]}`));
}

async function checkAgainstCsv(set: SampleSet, csvOf: (cellKey: string) => string) {
  assert.deepEqual(set.targetNames, MODES);
  for (let i = 0; i < set.n; i++) {
    const cols = await csvColumns(csvOf(set.meta.cellKey[i]));
    const c10 = cols["C/10 Capacity [mA h]"];
    const want: Record<string, number[]> = {
      soh: c10.map((c) => c / c10[0]),
      lli: cols["LLI"],
      lam_pe: cols["LAM PE"],
      lam_ne: cols["LAM NE_tot"],
    };
    MODES.forEach((m, k) =>
      assertClose(targetSeries(set, i, k), want[m], 1e-6, `${set.meta.cellKey[i]} ${m}`)
    );
  }
}

Deno.test("latent_ode_seq: real Expt 1 SOH, LLI, LAM_PE, LAM_NE targets equal the Performance Summary columns", async () => {
  const root = await requireRealData();
  const set = await modeSequences(root, "1");
  assert.equal(set.n, 9);
  const dir = join(realDataRoot(), "Expt 1 - Si-based Degradation", "Summary Data", "Performance Summary");
  const files = [...Deno.readDirSync(dir)].map((e) => e.name);
  await checkAgainstCsv(set, (key) => {
    const cell = key.split("/")[1];
    return join(dir, files.find((f) => f.startsWith(`Expt 1 - cell ${cell} (`))!);
  });
  // Cell A at RPT1, typed from the file: LLI 0.017914, LAM PE 0.018182, LAM NE_tot 0.023868.
  const a = set.meta.cellKey.indexOf("1/A");
  assert.deepEqual(
    [1, 2, 3].map((k) => targetSeries(set, a, k)[1]),
    [0.017914, 0.018182, 0.023868].map(Math.fround),
  );
});

Deno.test("latent_ode_seq: synthetic modes are the generator's truth as written, and grow over the test", async () => {
  const root = await Deno.makeTempDir({ prefix: "modes-" });
  try {
    await synthesize({
      out: root,
      experiments: ["1"],
      seed: 7,
      curves: false,
      log: createLogger({ quiet: true }),
    });
    const set = await modeSequences(root, "1");
    const dir = join(root, "Expt 1 - Si-based Degradation", "Summary Data", "Performance Summary");
    const files = [...Deno.readDirSync(dir)].map((e) => e.name);
    await checkAgainstCsv(
      set,
      (key) => join(dir, files.find((f) => f.includes(`cell ${key.split("/")[1]} (`))!),
    );
    // The generator's modes only grow and SOH only falls: the physics_informed directions hold on the truth.
    for (let i = 0; i < set.n; i++) {
      MODES.forEach((m, k) => {
        const y = targetSeries(set, i, k), sign = directionOf(m) === "non_increasing" ? -1 : 1;
        for (let s = 1; s < y.length; s++) assert.ok(sign * (y[s] - y[s - 1]) >= -1e-6, `${m} step ${s}`);
      });
    }
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("target directions: SOH non-increasing, LLI and LAM non-decreasing", () => {
  assert.deepEqual(MODES.map((m) => directionOf(m)), [
    "non_increasing",
    "non_decreasing",
    "non_decreasing",
    "non_decreasing",
  ]);
});
