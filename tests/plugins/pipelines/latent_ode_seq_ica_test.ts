/**
 * latent_ode_seq with per-RPT ICA features: the values at each step are the ica_peaks pipeline's for the
 * same cell and RPT (transition-named), each with a mask column; an RPT whose curve is missing has NaN and
 * mask 0 there — never a value borrowed from another RPT.
 */
import assert from "node:assert/strict";
import { createPlugin, loadPlugin } from "../../../core/loader.ts";
import { createRecordingLogger } from "../../../core/log.ts";
import type { DatasetInstance, PluginContext } from "../../../core/plugin.ts";
import { createRng } from "../../../core/rng.ts";
import { restrictToCells } from "../../../core/view.ts";
import { ConfigError } from "../../../core/errors.ts";

const FEATURES = ["pe1_voltage_V", "ne4_voltage_V", "ne4_height_Ah_per_V"];

Deno.test("latent_ode_seq merges transition-named ICA features per RPT; an RPT without a curve is NaN, mask 0", async () => {
  const dir = await Deno.makeTempDir({ prefix: "seq_ica_" });
  try {
    const ctx: PluginContext = { seed: 1, rng: createRng(1), log: createRecordingLogger(), cacheDir: dir };
    const full = await createPlugin(
      await loadPlugin("m50t", "dataset"),
      { experiment: "5", synthetic: { seed: 42, curves: true } },
      ctx,
      "data",
    );
    // The same data with cell 5/D's RPT 2 curve gone.
    const data: DatasetInstance = {
      cells: () => full.cells(),
      table: (name, keys) => full.table(name, keys),
      fingerprint: () => full.fingerprint(),
      curves: async (key, sel) =>
        (await full.curves(key, sel)).filter((c) => !(key === "5/D" && c.rpt === 2)),
    };
    const view = restrictToCells(data, ["5/D"]);
    const seqPipe = await createPlugin(
      await loadPlugin("latent_ode_seq", "pipeline"),
      { standardize: false, features: ["time"], ica_features: FEATURES },
      ctx,
      "pipeline",
    );
    const seq = await (await seqPipe.fit(view)).transform(view);
    assert.deepEqual(seq.featureNames, ["time", ...FEATURES, ...FEATURES.map((f) => `${f}_observed`)]);
    const icaPipe = await createPlugin(
      await loadPlugin("ica_peaks", "pipeline"),
      { peak_naming: "transition" },
      ctx,
      "pipeline",
    );
    const tab = await (await icaPipe.fit(view)).transform(view);
    const F = seq.featureNames.length, T = seq.steps, G = tab.featureNames.length;
    let compared = 0;
    for (let s = 0; s < seq.lengths[0]; s++) {
      const rpt = seq.meta.rpt[s];
      const row = Array.from(tab.meta.rpt).indexOf(rpt);
      FEATURES.forEach((name, j) => {
        const got = seq.x[s * F + 1 + j], mask = seq.x[s * F + 1 + FEATURES.length + j];
        assert.equal(mask, rpt === 2 ? 0 : 1, `RPT ${rpt} ${name}: mask`);
        if (rpt === 2) return assert.ok(Number.isNaN(got), `RPT 2 ${name}: ${got}`);
        assert.equal(got, tab.x[row * G + tab.featureNames.indexOf(name)], `RPT ${rpt} ${name}`);
        compared++;
      });
    }
    assert.ok(compared >= 3 * (seq.lengths[0] - 1) && T >= 10);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("latent_ode_seq refuses an ICA feature name ica_peaks does not produce, naming the config key", async () => {
  const dir = await Deno.makeTempDir({ prefix: "seq_ica_bad_" });
  try {
    const ctx: PluginContext = { seed: 1, rng: createRng(1), log: createRecordingLogger(), cacheDir: dir };
    const data = await createPlugin(
      await loadPlugin("m50t", "dataset"),
      { experiment: "5", synthetic: { seed: 42, curves: true } },
      ctx,
      "data",
    );
    const pipe = await createPlugin(
      await loadPlugin("latent_ode_seq", "pipeline"),
      { ica_features: ["peak9_voltage_V"] },
      ctx,
      "pipeline",
    );
    const err = await pipe.fit(restrictToCells(data, ["5/D"])).then(() => undefined, (e) => e);
    assert.ok(err instanceof ConfigError, String(err));
    assert.match(err.message, /pipeline\.ica_features.*'peak9_voltage_V'.*ne4_voltage_V/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
