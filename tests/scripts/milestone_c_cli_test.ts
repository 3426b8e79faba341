/**
 * Milestone C as a user runs it, under the tasks' own permissions: the learning-rate sweep of the README
 * (`batteryml sweep configs/sweep/milestone_c_lr.yaml …` + `runs compare --metric validation_loss`), then
 * `deno task milestone-c` with the same arguments, which resumes that very sweep (nothing runs again),
 * chooses the same rate — the lowest mean inner-validation loss over the seeds, recomputed here from the
 * runs' manifests — and prints the table: the network as a mean with a 95 % interval over the seeds, the
 * five baselines once each, the persistence RMSE equal to the one computed here by hand from the synthetic
 * Performance Summary. `--real` switches to the real Expt 1 (another persistence RMSE, also by hand).
 */
import assert from "node:assert/strict";
import { join, resolve } from "node:path";
import { composeConfig } from "../../core/config.ts";
import { createPlugin, loadPlugin } from "../../core/loader.ts";
import { createLogger } from "../../core/log.ts";
import { createRng } from "../../core/rng.ts";
import { batteryml, ROOT } from "../robustness/_runs.ts";

/** Tiny settings: 3 epochs, two rates, two seeds (4 runs). */
const TINY = ["training.epochs=3", "training.learning_rate=0.003,0.01"];

async function milestoneC(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["task", "-q", "milestone-c", ...args],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: text(out.stdout), stderr: text(out.stderr) };
}

/** An output folder under artifacts/ (the only place the milestone task may write), removed after. */
function artifactsDir(): { rel: string; dispose(): Promise<void> } {
  const rel = join("artifacts", `test-milestone-c-${crypto.randomUUID().slice(0, 8)}`);
  return { rel, dispose: () => Deno.remove(join(ROOT, rel), { recursive: true }).catch(() => {}) };
}

/**
 * Persistence RMSE of SOH by hand: each 25 °C test cell's 4th RPT (the last observed) held for its later
 * RPTs, read from the Performance Summary of the data config `data`.
 */
async function handPersistenceRmse(data: string[], cacheDir: string): Promise<{ rmse: number; n: number }> {
  const c = (await composeConfig({ overrides: data })).config;
  const { use, ...opts } = c.data;
  const ctx = {
    seed: 1,
    rng: createRng(1),
    log: createLogger({ quiet: true }),
    cacheDir: resolve(ROOT, cacheDir),
  };
  const dataset = await createPlugin(await loadPlugin(use, "dataset"), opts, ctx, "data");
  const test = (await dataset.cells()).filter((x) => x.chamberC === 25).map((x) => x.cellKey);
  const t = await dataset.table("performance_summary", test);
  const keys = t.columns.cellKey as string[], rpt = t.columns.rpt as Float64Array;
  const soh = t.columns.soh as Float64Array;
  let ss = 0, n = 0;
  for (const cell of test) {
    const rows = keys.flatMap((k, i) => (k === cell ? [i] : [])).sort((a, b) => rpt[a] - rpt[b]);
    const held = Math.fround(soh[rows[3]]);
    for (const i of rows.slice(4)) {
      if (Number.isFinite(soh[i])) (ss += (Math.fround(soh[i]) - held) ** 2, n++);
    }
  }
  return { rmse: Math.sqrt(ss / n), n };
}

/** The lowest mean inner-validation loss over seeds, from the sweep's run manifests. */
async function bruteForcePick(outputAbs: string, sweepId: string): Promise<string> {
  const dir = join(outputAbs, "sweeps", sweepId);
  const record = JSON.parse(await Deno.readTextFile(join(dir, "sweep.json")));
  const byLr = new Map<string, number[]>();
  for (const p of record.points) {
    const state = JSON.parse(await Deno.readTextFile(join(dir, "points", `${p.index}.json`)));
    const m = JSON.parse(await Deno.readTextFile(join(state.runDir, "manifest.json")));
    const lr = String(m.config.training.learning_rate);
    byLr.set(lr, [...(byLr.get(lr) ?? []), m.folds[0].validationLoss]);
  }
  const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  return [...byLr].sort((a, b) => mean(a[1]) - mean(b[1]))[0][0];
}

/** The table row of `name`: its RMSE text. */
function rmseOf(stdout: string, name: string): string {
  const m = new RegExp(`\\n {3}${name.replace(/[()]/g, "\\$&")} +(\\S+( \\[\\S+ \\S+\\])?)`).exec(stdout);
  assert.ok(m, `no row '${name}' in:\n${stdout}`);
  return m[1];
}

Deno.test("the README's lr sweep and `deno task milestone-c` are one mechanism: same sweep, same choice, table with seeds and baselines", async () => {
  const out = artifactsDir();
  try {
    const args = ["model=neural_ode", "experiment.seed=1,2", ...TINY, `output.dir=${out.rel}`];
    const sweep = await batteryml(["sweep", "configs/sweep/milestone_c_lr.yaml", ...args, "--workers", "2"]);
    assert.equal(sweep.code, 0, sweep.stderr + sweep.stdout);
    const id = /sweep (milestone_c_lr-[0-9a-f]{8})/.exec(sweep.stdout + sweep.stderr)?.[1];
    assert.ok(id, sweep.stdout);
    const cmp = await batteryml([
      "runs",
      "compare",
      id,
      "--output-dir",
      out.rel,
      "--metric",
      "validation_loss",
      "--json",
    ]);
    assert.equal(cmp.code, 0, cmp.stderr);
    const cliPick = JSON.parse(cmp.stdout).configs[0].label.replace("training.learning_rate=", "");
    assert.equal(cliPick, await bruteForcePick(join(ROOT, out.rel), id));

    const r = await milestoneC(["--models=neural_ode", "--seeds=1,2", ...TINY, `output.dir=${out.rel}`]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`neural_ode: sweep ${id} \\(2 configurations × 2 seeds, 0 run now`));
    assert.match(r.stdout, new RegExp(`training\\.learning_rate=${cliPick.replace(".", "\\.")} .*← chosen`));
    assert.match(rmseOf(r.stdout, `neural_ode (lr ${cliPick})`), /^\d\.\d{4} \[-?\d\.\d{4}, \d\.\d{4}\]$/);
    for (
      const b of ["persistence", "fade_rate_1_over_T", "anchored_sqrt_t", "linear_last2", "linear_prefix"]
    ) {
      assert.match(rmseOf(r.stdout, `baseline: ${b}`), /^\d\.\d{4}$/);
    }
    const hand = await handPersistenceRmse(["data=synthetic_expt5"], join(out.rel, "cache"));
    assert.equal(rmseOf(r.stdout, "baseline: persistence"), hand.rmse.toFixed(4));
    assert.match(r.stdout, new RegExp(`\\n {3}baseline: persistence .* 1 +${hand.n}\\n`));
    const figure = /trajectories: (\S+\.svg)/.exec(r.stdout)?.[1];
    assert.ok(figure && (await Deno.stat(figure)).size > 0, r.stdout);

    const one = await milestoneC(["--models=neural_ode", "--seeds=1", `output.dir=${out.rel}`]);
    assert.equal(one.code, 1);
    assert.match(one.stderr, /error: --seeds: a 95 % interval needs at least 2 seeds, found 1/);
  } finally {
    await out.dispose();
  }
});

Deno.test("milestone-c --real forecasts the real Expt 1 (its persistence RMSE by hand from the real files)", async () => {
  const out = artifactsDir();
  try {
    const r = await milestoneC([
      "--real",
      "--models=lstm_attn",
      "--seeds=1,2",
      "training.epochs=2",
      "training.learning_rate=0.01",
      `output.dir=${out.rel}`,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /real Expt 1/);
    const hand = await handPersistenceRmse(["data=m50t_real"], join(out.rel, "cache"));
    assert.equal(rmseOf(r.stdout, "baseline: persistence"), hand.rmse.toFixed(4));
    assert.match(r.stdout, new RegExp(`\\n {3}baseline: persistence .* 1 +${hand.n}\\n`));
    assert.match(rmseOf(r.stdout, "lstm_attn (lr 0.01)"), /^\d\.\d{4} \[-?\d\.\d{4}, \d\.\d{4}\]$/);
  } finally {
    await out.dispose();
  }
});
