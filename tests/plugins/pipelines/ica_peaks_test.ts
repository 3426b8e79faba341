import assert from "node:assert/strict";
import { join } from "node:path";
import { createRecordingLogger } from "../../../core/log.ts";
import { definitionProblems } from "../../../core/plugin.ts";
import { createPlugin, loadPlugin } from "../../../core/loader.ts";
import type { CellInfo, ColumnTable, Curve, DatasetInstance, PluginContext } from "../../../core/plugin.ts";
import { createRng } from "../../../core/rng.ts";
import { restrictToCells } from "../../../core/view.ts";
import icaPeaks, { icaFeatureNames, type IcaPeaksOptions } from "../../../plugins/pipelines/ica_peaks.ts";
import { assertClose } from "../../lib/signal/assert_close.ts";
import { progressRecorder } from "../../fixtures/progress_recorder.ts";
import { throughFiles } from "../../fixtures/state_round_trip.ts";

/** Logistic steps of Q(V): |dQ/dV| peaks at v with height a/(4w) on a flat 0.2 Ah/V baseline. */
const PEAKS = [
  { v: 3.45, a: 0.8, w: 0.02 }, // height 10 + baseline
  { v: 3.95, a: 0.5, w: 0.015 }, // 8.33
  { v: 3.7, a: 0.3, w: 0.025 }, // 3
];
const BASELINE = 0.2;
/** Peaks move down 5 mV per RPT in cell A and 2 mV in cell B; SOH fades 1 % per RPT. */
const CELLS = [
  { cellKey: "t/A", chamberC: 25, shift: 0.005 },
  { cellKey: "t/B", chamberC: 40, shift: 0.002 },
];
const RPTS = [0, 1, 2, 3];

function curveSamples(shiftV: number) {
  const n = 3000;
  const voltage_V = new Float64Array(n), charge_Ah = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = 4.25 - (1.35 * i) / (n - 1);
    voltage_V[i] = v;
    charge_Ah[i] = BASELINE * (4.25 - v) +
      PEAKS.reduce((q, p) => q + p.a / (1 + Math.exp((v - (p.v - shiftV)) / p.w)), 0);
  }
  return { voltage_V, charge_Ah };
}

/** A dataset whose curves are JSON files in `dir`; its table lists rows in reverse order and B lacks RPT 3. */
async function fixtureDataset(dir: string): Promise<DatasetInstance & { reads: string[] }> {
  for (const c of CELLS) {
    for (const rpt of RPTS) {
      const s = curveSamples(c.shift * rpt);
      await Deno.writeTextFile(
        join(dir, `${c.cellKey.replace("/", "_")}_${rpt}.json`),
        JSON.stringify({ voltage_V: [...s.voltage_V], charge_Ah: [...s.charge_Ah] }),
      );
    }
  }
  const reads: string[] = [];
  return {
    reads,
    cells: (): CellInfo[] =>
      CELLS.map((c) => ({
        cellKey: c.cellKey,
        experiment: "t",
        cell: c.cellKey[2],
        chamberC: c.chamberC,
        metadata: {},
      })),
    table(_name: string, cellKeys: readonly string[]): Promise<ColumnTable> {
      const rows = cellKeys.flatMap((k) =>
        RPTS.filter((r) => !(k === "t/B" && r === 3)).map((rpt) => ({ k, rpt }))
      )
        .reverse();
      return Promise.resolve({
        length: rows.length,
        columns: {
          cellKey: rows.map((r) => r.k),
          rpt: Float64Array.from(rows, (r) => r.rpt),
          soh: Float64Array.from(rows, (r) => 1 - 0.01 * r.rpt - (r.k === "t/B" ? 0.001 : 0)),
          days: Float64Array.from(rows, (r) => 30 * r.rpt),
        },
      });
    },
    async curves(cellKey: string): Promise<Curve[]> {
      reads.push(cellKey);
      return await Promise.all(
        RPTS.map(async (rpt) => {
          const source = join(dir, `${cellKey.replace("/", "_")}_${rpt}.json`);
          const s = JSON.parse(await Deno.readTextFile(source));
          const n = s.voltage_V.length;
          return {
            cellKey,
            rpt,
            source,
            time_s: new Float64Array(n),
            current_A: new Float64Array(n),
            voltage_V: Float64Array.from(s.voltage_V),
            charge_Ah: Float64Array.from(s.charge_Ah),
          };
        }).reverse(),
      ); // curves arrive out of order: the pipeline sorts them by RPT
    },
    fingerprint: () => Promise.resolve({}),
  };
}

async function setup(opts: Partial<IcaPeaksOptions> = {}) {
  const dir = await Deno.makeTempDir({ prefix: "ica_peaks_test_" });
  const log = createRecordingLogger();
  const ctx: PluginContext = { seed: 1, rng: createRng(1), log, cacheDir: join(dir, "cache") };
  // These tests check rank-named peaks (`peak1_…`); transition naming is the default.
  const parsed = icaPeaks.options["~standard"].validate({ peak_naming: "rank", ...opts }) as {
    value: IcaPeaksOptions;
  };
  assert.ok(parsed.value, "options validate");
  const pipeline = await icaPeaks.create(parsed.value, ctx);
  return { dir, log, ctx, pipeline, ds: await fixtureDataset(dir) };
}

function feature(set: { x: Float32Array; featureNames: readonly string[] }, i: number, name: string): number {
  const F = set.featureNames.length;
  return set.x[i * F + set.featureNames.indexOf(name)];
}

Deno.test("ica_peaks is a valid pipeline definition with the documented feature names", () => {
  assert.deepEqual(definitionProblems(icaPeaks), []);
  assert.deepEqual(icaFeatureNames(1), [
    "peak1_voltage_V",
    "peak1_height_Ah_per_V",
    "peak1_prominence_Ah_per_V",
    "peak1_fwhm_V",
    "peak1_area_Ah",
    "total_area_Ah",
    "max_dqdv_voltage_V",
  ]);
  const bad = icaPeaks.options["~standard"].validate({ sg_window: 20 }) as { issues?: unknown[] };
  assert.ok(bad.issues?.length, "an even SG window is rejected");
});

Deno.test("features equal the known peaks; a missing 4th peak is NaN; targets joined by cell and RPT", async () => {
  const { pipeline, ds, log } = await setup({ top_k: 4 });
  const set = await (await pipeline.fit(ds)).transform(ds);
  assert.equal(set.n, 7, "8 curves, one without a target row");
  assert.ok(
    log.lines.some((l) => l.includes("t/B") && l.includes("RPT 3")),
    "the left-out curve is reported",
  );
  for (let i = 0; i < set.n; i++) {
    const cell = CELLS.find((c) => c.cellKey === set.meta.cellKey[i])!;
    const rpt = set.meta.rpt[i], shift = cell.shift * rpt;
    PEAKS.forEach((p, k) => {
      const name = `peak${k + 1}`;
      assertClose(
        feature(set, i, `${name}_voltage_V`),
        p.v - shift,
        0,
        0.0015,
        `${name} voltage, ${cell.cellKey} RPT ${rpt}`,
      );
      assertClose(
        feature(set, i, `${name}_height_Ah_per_V`),
        p.a / (4 * p.w) + BASELINE,
        0.03,
        0,
        `${name} height`,
      );
      // FWHM of a logistic step's derivative: 2·ln(3 + 2√2)·w; area between the crossings ≈ a/√2 + baseline.
      // The small middle peak sits on its neighbours' tails, which lowers its prominence and narrows it a
      // little (≈4 %), hence its looser tolerance.
      const tol = k === 2 ? 0.06 : 0.03;
      assertClose(feature(set, i, `${name}_fwhm_V`), 3.5255 * p.w, tol, 0, `${name} width`);
      assertClose(
        feature(set, i, `${name}_area_Ah`),
        p.a / Math.SQRT2 + BASELINE * 3.5255 * p.w,
        tol,
        0,
        `${name} area`,
      );
    });
    assert.ok(Number.isNaN(feature(set, i, "peak4_voltage_V")), "a 4th peak does not exist: NaN, not 0");
    assert.ok(Number.isNaN(feature(set, i, "peak4_area_Ah")));
    assertClose(feature(set, i, "max_dqdv_voltage_V"), 3.45 - shift, 0, 0.0015, "voltage of the maximum");
    assertClose(feature(set, i, "total_area_Ah"), 0.8 + 0.5 + 0.3 + BASELINE * 1.2, 0.01, 0, "total area");
    assertClose(
      set.y[i],
      1 - 0.01 * rpt - (cell.cellKey === "t/B" ? 0.001 : 0),
      1e-6,
      0,
      "target by (cell, RPT)",
    );
    assert.equal(set.t[i], 30 * rpt);
  }
  assert.deepEqual([...set.meta.rpt], [0, 1, 2, 3, 0, 1, 2]);
  assert.deepEqual([...set.meta.chamberC], [25, 25, 25, 25, 40, 40, 40]);
});

Deno.test("a cell's samples do not depend on the cells transformed with it (standardised)", async () => {
  const { pipeline, ds } = await setup({ standardize: true });
  const fitted = await pipeline.fit(restrictToCells(ds, ["t/A"]));
  const together = await fitted.transform(ds);
  const alone = await fitted.transform(restrictToCells(ds, ["t/B"]));
  const F = together.featureNames.length;
  const rows = together.meta.cellKey.flatMap((k, i) => (k === "t/B" ? [i] : []));
  assert.deepEqual(rows.flatMap((i) => [...together.x.subarray(i * F, (i + 1) * F)]), [...alone.x]);
  assert.deepEqual(rows.map((i) => together.y[i]), [...alone.y]);
  ds.reads.length = 0;
  await pipeline.fit(restrictToCells(ds, ["t/A"]));
  assert.deepEqual(ds.reads, ["t/A"], "fit reads the training cells only");
});

Deno.test("standardisation uses the training view only and survives state → restore", async () => {
  const { pipeline, ds } = await setup({ standardize: true });
  const fitted = await pipeline.fit(restrictToCells(ds, ["t/A"]));
  const train = await fitted.transform(restrictToCells(ds, ["t/A"]));
  // Training peak-1 voltages 3.45 − 0.005·r, r = 0..3: standardised they have mean 0 and population std 1.
  const v = Array.from({ length: train.n }, (_, i) => feature(train, i, "peak1_voltage_V"));
  assertClose(v.reduce((a, b) => a + b, 0) / v.length, 0, 0, 1e-5, "mean");
  assertClose(Math.sqrt(v.reduce((a, b) => a + b * b, 0) / v.length), 1, 1e-4, 0, "std");
  const state = await throughFiles(icaPeaks, await fitted.state());
  const reloaded = await pipeline.restore(state);
  const again = await reloaded.transform(ds);
  const first = await fitted.transform(ds);
  assert.deepEqual([...again.x].map(String), [...first.x].map(String));
  // A state whose statistics do not fit the options' features is refused, not applied.
  await assert.rejects(
    async () => await pipeline.restore({ ...state, mean: [0] }),
    /standardisation does not match the features.*expected mean and std of 17 numbers each/,
  );
});

async function cacheEntries(cacheDir: string): Promise<number> {
  let n = 0;
  const walk = async (d: string) => {
    for await (const e of Deno.readDir(d)) {
      if (e.isDirectory) await walk(join(d, e.name));
      else n++;
    }
  };
  await walk(join(cacheDir, "entries")).catch(() => {});
  return n;
}

Deno.test("features are cached per curve file content and ICA options", async () => {
  const { pipeline, ds, ctx, dir } = await setup();
  const fitted = await pipeline.fit(ds);
  const first = await fitted.transform(ds);
  assert.equal(await cacheEntries(ctx.cacheDir), 7, "one entry per curve with a target row");
  const second = await fitted.transform(ds);
  assert.deepEqual([...second.x].map(String), [...first.x].map(String));
  assert.equal(await cacheEntries(ctx.cacheDir), 7, "a second transform only reads the cache");
  // A changed file is a new key: its features are recomputed from the new content.
  const s = curveSamples(0.05);
  await Deno.writeTextFile(
    join(dir, "t_A_0.json"),
    JSON.stringify({ voltage_V: [...s.voltage_V], charge_Ah: [...s.charge_Ah] }),
  );
  const changed = await fitted.transform(restrictToCells(ds, ["t/A"]));
  assert.equal(await cacheEntries(ctx.cacheDir), 8);
  assertClose(feature(changed, 0, "peak1_voltage_V"), 3.4, 0, 0.0015, "recomputed peak voltage");
  // Different ICA options are a different key too.
  const defaults = (icaPeaks.options["~standard"].validate({ peak_naming: "rank" }) as {
    value: IcaPeaksOptions;
  }).value;
  const other = await icaPeaks.create({ ...defaults, top_k: 2 }, ctx);
  await (await other.fit(ds)).transform(restrictToCells(ds, ["t/B"]));
  assert.equal(await cacheEntries(ctx.cacheDir), 11);
});

/**
 * Rewrites `path` with `text` padded to the old byte length (JSON allows trailing spaces) and puts back its
 * old mtime: an in-place edit that a path + size + mtime cache key cannot see.
 */
async function editKeepingSizeAndMtime(path: string, text: string): Promise<void> {
  const before = await Deno.stat(path);
  const bytes = new TextEncoder().encode(text);
  assert.ok(bytes.length <= before.size, `the edit (${bytes.length} B) must fit in ${before.size} B`);
  const padded = new Uint8Array(before.size).fill(0x20);
  padded.set(bytes);
  await Deno.writeFile(path, padded);
  await Deno.utime(path, before.atime!, before.mtime!);
  const after = await Deno.stat(path);
  assert.equal(after.size, before.size);
  assert.equal(after.mtime!.getTime(), before.mtime!.getTime());
}

Deno.test("a curve edited in place with its size and mtime kept gets new features (content-keyed cache)", async () => {
  const { pipeline, ds, dir } = await setup();
  const fitted = await pipeline.fit(ds);
  const first = await fitted.transform(restrictToCells(ds, ["t/A"]));
  assertClose(feature(first, 0, "peak1_voltage_V"), 3.45, 0, 0.0015, "RPT0 peak before the edit");
  // The same curve with every peak 50 mV lower, written with 6 decimals so it fits in the old size.
  const s = curveSamples(0.05);
  const round = (a: Float64Array) => [...a].map((v) => Number(v.toFixed(6)));
  await editKeepingSizeAndMtime(
    join(dir, "t_A_0.json"),
    JSON.stringify({ voltage_V: round(s.voltage_V), charge_Ah: round(s.charge_Ah) }),
  );
  const edited = await fitted.transform(restrictToCells(ds, ["t/A"]));
  assertClose(feature(edited, 0, "peak1_voltage_V"), 3.4, 0, 0.0015, "RPT0 peak after the edit");
  // The other RPTs were not touched: their features are the cached ones, unchanged.
  assert.equal(feature(edited, 1, "peak1_voltage_V"), feature(first, 1, "peak1_voltage_V"));
});

Deno.test("extraction reports cells done of the view's cells to the progress sink, then the curves kept", async () => {
  const { dir, ctx, ds } = await setup();
  const progress = progressRecorder();
  const parsed = icaPeaks.options["~standard"].validate({ peak_naming: "rank" }) as {
    value: IcaPeaksOptions;
  };
  const pipeline = await icaPeaks.create(parsed.value, { ...ctx, progress });
  try {
    await (await pipeline.fit(ds)).transform(ds);
    // Two cells; 8 curves of which t/B's RPT 3 has no target row → 7 kept.
    assert.deepEqual(progress.tasks, [{
      label: "ica_peaks: ICA features",
      total: 2,
      options: { unit: "cells" },
      updates: [{ done: 1, status: undefined }, { done: 2, status: undefined }],
      finished: [{ status: "7 curves" }],
    }]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("peak_naming=transition: synthetic cell 5/D's peaks keep their transition through every RPT, rank names do not", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ica_transition_" });
  try {
    const ctx: PluginContext = { seed: 1, rng: createRng(1), log: createRecordingLogger(), cacheDir: dir };
    const data = await createPlugin(
      await loadPlugin("m50t", "dataset"),
      { experiment: "5", synthetic: { seed: 42, curves: true } },
      ctx,
      "data",
    );
    const view = restrictToCells(data, ["5/D"]);
    const setOf = async (o: Partial<IcaPeaksOptions>) => {
      const parsed = icaPeaks.options["~standard"].validate(o) as { value: IcaPeaksOptions };
      return await (await (await icaPeaks.create(parsed.value, ctx)).fit(view)).transform(view);
    };
    // Transition naming is the default; rank naming is the option.
    const rank = await setOf({ peak_naming: "rank" }), named = await setOf({});
    assert.equal(named.featureNames[0], "pe1_voltage_V");
    const series = (set: typeof rank, name: string) =>
      Array.from({ length: set.n }, (_, i) => feature(set, i, name));
    // Rank 2 is a different transition at different RPTs: its voltage jumps by far more than any peak moves.
    const peak2 = series(rank, "peak2_voltage_V");
    const jumps = peak2.slice(1).map((v, i) => Math.abs(v - peak2[i]));
    assert.ok(Math.max(...jumps) > 0.1, `peak2 voltages ${peak2}`);
    // By transition, each tracked peak moves by at most max_shift_V between RPTs and the graphite-stage
    // (ne4) and NMC (pe1) peaks are found at every RPT, in their windows of scripts/ica_directions.ts.
    for (
      const name of named.featureNames.filter((n) => n.endsWith("_voltage_V") && n !== "max_dqdv_voltage_V")
    ) {
      const v = series(named, name).filter(Number.isFinite);
      v.slice(1).forEach((x, i) => assert.ok(Math.abs(x - v[i]) <= 0.05 + 1e-9, `${name}: ${v}`));
    }
    const ne4 = series(named, "ne4_voltage_V"), pe1 = series(named, "pe1_voltage_V");
    assert.ok(ne4.every((v) => v > 3.35 && v < 3.55), `ne4 ${ne4}`);
    assert.ok(pe1.every((v) => v > 4.0 && v < 4.12), `pe1 ${pe1}`);
    // The whole-curve features do not depend on the naming.
    assert.deepEqual(series(named, "total_area_Ah"), series(rank, "total_area_Ah"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
