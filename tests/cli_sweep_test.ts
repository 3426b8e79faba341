/**
 * `batteryml sweep` on the local executor and `runs compare`, run as a user runs them (`deno task
 * batteryml …` under the task's permissions): the 2 × 2 × 2 sweep gives each point the numbers a plain
 * run of that fold gives; launching again runs nothing twice; a failing point is reported with its log
 * while the others finish; `sweep cancel` stops a running sweep, which resumes with nothing lost.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { batteryml, projectOutputDir, ROOT } from "./robustness/_runs.ts";
import {
  childOutput,
  pointMetrics,
  pointState,
  runManifests,
  spawnBatteryml,
  sweepIdFrom,
  sweepRecord,
  testSweepYaml,
  waitUntil,
  writeSweepFile,
} from "./fixtures/sweep.ts";

Deno.test("local sweep 2 × 2 × 2: each point equals the plain run's fold; a second launch runs nothing", async () => {
  const out = await projectOutputDir();
  try {
    const file = await writeSweepFile(out.rel, "t222.yaml", testSweepYaml());
    const first = await batteryml(["sweep", file, `output.dir=${out.rel}`, "--workers", "2"]);
    assert.equal(first.code, 0, first.stderr);
    const id = sweepIdFrom(first.stdout);
    assert.match(first.stdout, /8 points — 8 FINISHED/);
    const metrics = await pointMetrics(out.abs, id);
    assert.equal(metrics.size, 8);
    // The peer: plain runs of every LOCO fold, per seed; a point's run scores only its fold's test cell.
    for (const model of ["dummy", "linear"]) {
      for (const seed of [1, 2]) {
        const plain = await batteryml([
          "run",
          "data=synthetic",
          "split=loco",
          `model=${model}`,
          `experiment.seed=${seed}`,
          `output.dir=${out.rel}/plain`,
          "--json",
        ]);
        assert.equal(plain.code, 0, plain.stderr);
        const perCell = JSON.parse(plain.stdout).report.soh.perCell;
        for (const cell of ["1/A", "5/B"]) {
          assert.equal(
            metrics.get(`model=${model}|${seed}|loco/${cell}`),
            perCell[cell].rmse,
            `${model} ${seed} ${cell}`,
          );
        }
      }
    }
    assert.notEqual(metrics.get("model=dummy|1|loco/1/A"), metrics.get("model=linear|1|loco/1/A"));
    const runsBefore = (await runManifests(out.abs)).length;
    const again = await batteryml(["sweep", file, `output.dir=${out.rel}`, "--workers", "2"]);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(sweepIdFrom(again.stdout), id, "the same file and overrides resume the same sweep");
    assert.equal((await runManifests(out.abs)).length, runsBefore, "no point ran twice");
    for (let i = 0; i < 8; i++) assert.equal((await pointState(out.abs, id, i))?.attempt, 1);

    // runs compare: per config mean over the 4 repeats, the table, CSV and the figure.
    const cmp = await batteryml(["runs", "compare", id, "--output-dir", out.rel, "--json"]);
    assert.equal(cmp.code, 0, cmp.stderr);
    const result = JSON.parse(cmp.stdout);
    assert.equal(result.metric, "rmse");
    for (const c of result.configs) {
      const mine = [...metrics].filter(([k]) => k.startsWith(`${c.label}|`)).map(([, v]) => v);
      const mean = mine.reduce((a, b) => a + b, 0) / mine.length;
      assert.equal(c.summary.folds, 4);
      assert.ok(Math.abs(c.summary.mean - mean) < 1e-12, `${c.label}: ${c.summary.mean} vs ${mean}`);
    }
    assert.equal(result.configs[0].label, "model=linear", "linear beats the training mean on SOH");
    const table = await batteryml(["runs", "compare", id, "--output-dir", out.rel]);
    assert.match(table.stdout, /rank\s+config\s+rmse mean\s+std\s+95 % CI/);
    assert.match(table.stdout, /model=dummy .*(differs from best|within noise of best)/);
    const csv = await batteryml(["runs", "compare", id, "--output-dir", out.rel, "--csv", "--metric", "mae"]);
    assert.equal(csv.stdout.trim().split("\n").length, 3);
    const png = await Deno.readFile(join(out.abs, "sweeps", id, "compare.png"));
    assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47]);
  } finally {
    await out.dispose();
  }
});

Deno.test("local sweep --reuse-workers: the same numbers per point, points of a worker in one process", async () => {
  const out = await projectOutputDir();
  try {
    const file = await writeSweepFile(out.rel, "t222.yaml", testSweepYaml());
    const fresh = await batteryml(["sweep", file, `output.dir=${out.rel}/fresh`, "--workers", "2"]);
    const reused = await batteryml([
      "sweep",
      file,
      `output.dir=${out.rel}/reused`,
      "--workers",
      "2",
      "--reuse-workers",
    ]);
    assert.equal(reused.code, 0, reused.stderr);
    const a = await pointMetrics(join(out.abs, "fresh"), sweepIdFrom(fresh.stdout));
    const b = await pointMetrics(join(out.abs, "reused"), sweepIdFrom(reused.stdout));
    assert.equal(b.size, 8);
    assert.deepEqual(b, a);
    // Two worker processes ran the 8 points: each point's state names one of two pids.
    const id = sweepIdFrom(reused.stdout);
    const pids = new Set<unknown>();
    for (let i = 0; i < 8; i++) pids.add((await pointState(join(out.abs, "reused"), id, i))?.pid);
    assert.equal(pids.size, 2);
  } finally {
    await out.dispose();
  }
});

Deno.test("local sweep: a command-line axis a=x,y is a grid axis and changes the outcome", async () => {
  const out = await projectOutputDir();
  try {
    const r = await batteryml([
      "sweep",
      "data=synthetic",
      "split=loco",
      "model=linear",
      "model.alpha=0.001,1000",
      `output.dir=${out.rel}`,
      "--workers",
      "2",
    ]);
    assert.equal(r.code, 0, r.stderr);
    const id = sweepIdFrom(r.stdout);
    const record = await sweepRecord(out.abs, id);
    assert.deepEqual(record.configs.map((c) => c.label), ["model.alpha=0.001", "model.alpha=1000"]);
    const m = await pointMetrics(out.abs, id);
    assert.notEqual(m.get("model.alpha=0.001|null|null"), m.get("model.alpha=1000|null|null"));
  } finally {
    await out.dispose();
  }
});

Deno.test("local sweep: a failing point is reported with its log; the other points finish", async () => {
  const out = await projectOutputDir();
  try {
    const faulty = "./tests/fixtures/plugins/faulty_model.ts";
    const file = await writeSweepFile(
      out.rel,
      "faulty.yaml",
      `overrides: [data=synthetic, split=loco, "model=${faulty}"]\ngrid:\n  model.fault: [none, nan]\nfolds: [loco/1/A]\n`,
    );
    const r = await batteryml(["sweep", file, `output.dir=${out.rel}`, "--workers", "2"]);
    assert.equal(r.code, 1, "a sweep with a failed point exits 1");
    const id = sweepIdFrom(r.stdout);
    assert.match(r.stdout, /1 FINISHED, 1 FAILED/);
    const log = join(out.rel, "sweeps", id, "logs", "point-1.log");
    assert.ok(r.stdout.includes(`point 1 (c1 loco/1/A): FAILED  log ${log}`), r.stdout);
    assert.match(await Deno.readTextFile(join(ROOT, log)), /error: .*NaN/);
    assert.equal((await pointState(out.abs, id, 0))?.status, "FINISHED");
    const status = await batteryml(["sweep", "status", id, "--output-dir", out.rel, "--json"]);
    const s = JSON.parse(status.stdout);
    assert.deepEqual([s.counts.FINISHED, s.counts.FAILED], [1, 1]);
    assert.match(s.points[1].error, /NaN/);
  } finally {
    await out.dispose();
  }
});

Deno.test("local sweep: `sweep cancel` stops running points (KILLED); a relaunch finishes only those", async () => {
  const out = await projectOutputDir();
  try {
    const gated = "./tests/fixtures/plugins/gated_mean_model.ts";
    const file = await writeSweepFile(out.rel, "gated.yaml", testSweepYaml(["linear", gated]));
    const gate = join(out.abs, "gate");
    await Deno.writeTextFile(gate, "");
    const child = spawnBatteryml(["sweep", file, `output.dir=${out.rel}`, "--workers", "2"], {
      BATTERYML_TEST_FIT_GATE: gate,
    });
    // Points 0–3 (linear) finish; 4 and 5 (gated) then wait in their fit.
    let id = "";
    await waitUntil("two gated points running", async () => {
      const sweeps = await Array.fromAsync(Deno.readDir(join(out.abs, "sweeps"))).catch(() => []);
      if (sweeps.length !== 1) return false;
      id = sweeps[0].name;
      const states = await Promise.all([4, 5].map((i) => pointState(out.abs, id, i)));
      return states.every((s) => s?.status === "RUNNING" && s.runId !== undefined);
    });
    const cancel = await batteryml(["sweep", "cancel", id, "--output-dir", out.rel]);
    assert.equal(cancel.code, 0, cancel.stderr);
    const launched = await childOutput(child);
    assert.equal(launched.code, 1, launched.stderr);
    assert.match(launched.stdout, /4 FINISHED, 2 KILLED|2 KILLED/);
    for (const i of [4, 5]) assert.equal((await pointState(out.abs, id, i))?.status, "KILLED");
    for (const i of [6, 7]) assert.equal(await pointState(out.abs, id, i), null, "never started");
    await Deno.remove(gate);
    const resumed = await batteryml(["sweep", file, `output.dir=${out.rel}`, "--workers", "2"]);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.match(resumed.stdout, /8 points — 8 FINISHED/);
    const attempts = await Promise.all(
      [0, 1, 2, 3, 4, 5, 6, 7].map(async (i) => (await pointState(out.abs, id, i))?.attempt),
    );
    assert.deepEqual(attempts, [1, 1, 1, 1, 2, 2, 1, 1]);
    const runs = await runManifests(out.abs);
    const finished = runs.filter((r) => r.status === "FINISHED");
    assert.equal(finished.length, 8, "every point finished once");
    assert.equal(new Set(finished.map((r) => r.configHash)).size, 8, "no point finished twice");
    assert.equal(runs.filter((r) => r.status === "KILLED").length, 2);
  } finally {
    await out.dispose();
  }
});

Deno.test("runs compare --metric validation_loss selects on the inner validation cells (never test)", async () => {
  const out = await projectOutputDir();
  try {
    const args = [
      "data=synthetic",
      "split=loco",
      "evaluation.folds=loco/1/A,loco/5/B",
      `output.dir=${out.rel}`,
    ];
    const r = await batteryml([
      "sweep",
      ...args,
      "model=mlp",
      "training.epochs=3",
      "training.learning_rate=0.001,0.03",
      "--workers",
      "2",
    ]);
    assert.equal(r.code, 0, r.stderr);
    const id = sweepIdFrom(r.stdout);
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
    const result = JSON.parse(cmp.stdout);
    for (const c of result.configs) {
      for (const v of c.values) {
        const state = await pointState(
          out.abs,
          id,
          (await sweepRecord(out.abs, id)).points.find((p) => p.config === c.config && p.fold === v.fold)!
            .index,
        );
        const manifest = JSON.parse(
          await Deno.readTextFile(join(out.abs, "runs", String(state!.runId), "manifest.json")),
        );
        assert.equal(v.value, manifest.folds[0].validationLoss);
        assert.ok(v.value > 0);
      }
    }
    assert.notEqual(result.configs[0].summary.mean, result.configs[1].summary.mean);
    // A model without inner validation has nothing to select on: an error naming the run.
    const lin = await batteryml(["sweep", ...args, "model=linear,dummy", "--workers", "2"]);
    const bad = await batteryml([
      "runs",
      "compare",
      sweepIdFrom(lin.stdout),
      "--output-dir",
      out.rel,
      "--metric",
      "validation_loss",
    ]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /error: run \S+: no inner-validation loss for fold loco\/1\/A/);
  } finally {
    await out.dispose();
  }
});

Deno.test("slurm --dry-run prints the scripts with every sbatch option given, and writes no sweep", async () => {
  const out = await projectOutputDir();
  try {
    const file = await writeSweepFile(out.rel, "t222.yaml", testSweepYaml());
    const base = ["sweep", file, `output.dir=${out.rel}`, "--executor", "slurm", "--dry-run"];
    const plain = await batteryml(base);
    assert.equal(plain.code, 0, plain.stderr);
    const flagged = await batteryml([
      ...base,
      "--partition",
      "short",
      "--time",
      "00:05:00",
      "--mem",
      "1G",
      "--cpus-per-task",
      "2",
      "--account",
      "proj7",
      "--sbatch=--qos=low",
      "--sbatch=--constraint=avx2",
    ]);
    assert.equal(flagged.code, 0, flagged.stderr);
    const added = [
      "#SBATCH --partition=short",
      "#SBATCH --time=00:05:00",
      "#SBATCH --mem=1G",
      "#SBATCH --cpus-per-task=2",
      "#SBATCH --account=proj7",
      "#SBATCH --qos=low",
      "#SBATCH --constraint=avx2",
    ];
    const lines = (text: string) => text.split("\n");
    for (const l of added) {
      assert.ok(lines(flagged.stdout).includes(l), `missing ${l}`);
      if (l !== "#SBATCH --cpus-per-task=2") assert.ok(!lines(plain.stdout).includes(l), `unexpected ${l}`);
    }
    assert.ok(lines(plain.stdout).includes("#SBATCH --cpus-per-task=1"));
    assert.ok(lines(plain.stdout).includes("#SBATCH --array=0-7"));
    assert.ok(lines(plain.stdout).includes("POINTS=(0 1 2 3 4 5 6 7)"));
    assert.match(plain.stdout, /#SBATCH --job-name=bml-t222-[0-9a-f]{8}-compare/);
    const sweeps = await Array.fromAsync(Deno.readDir(join(out.abs, "sweeps"))).catch(() => []);
    assert.equal(sweeps.length, 0, "a dry run writes no sweep folder");
  } finally {
    await out.dispose();
  }
});

Deno.test("runs compare --target picks the target; an unknown one names those there are", async () => {
  const out = await projectOutputDir();
  try {
    const r = await batteryml([
      "sweep",
      "data=synthetic",
      "split=loco",
      "model=dummy,linear",
      "evaluation.folds=loco/1/A",
      `output.dir=${out.rel}`,
    ]);
    assert.equal(r.code, 0, r.stderr);
    const id = sweepIdFrom(r.stdout);
    const soh = await batteryml([
      "runs",
      "compare",
      id,
      "--output-dir",
      out.rel,
      "--target",
      "soh",
      "--json",
    ]);
    assert.equal(JSON.parse(soh.stdout).target, "soh");
    const bad = await batteryml(["runs", "compare", id, "--output-dir", out.rel, "--target", "capacity"]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /error: run \S+ has no target 'capacity' \(it has soh\)/);
  } finally {
    await out.dispose();
  }
});
