/**
 * Robustness corpus, area "training": checkpoint folders reused by another fit, locked by another run, or
 * left behind by a killed one. Refusals must be a ConfigError naming the folder and what differs, with the
 * earlier run and its checkpoint untouched; faults must end identical to an uninterrupted run.
 * (That each loss takes effect is a normal test: tests/plugins/models/loss_takes_effect_test.ts.)
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { composeConfig } from "../../core/config.ts";
import { ConfigError } from "../../core/errors.ts";
import { createRecordingLogger } from "../../core/log.ts";
import { runExperiment, type RunSummary } from "../../core/run.ts";
import { makeConfigDir } from "../fixtures/config_dir.ts";
import { runCli, scratchDir, spawnCli } from "../fixtures/task_cli.ts";
import { robustnessCase } from "./_case.ts";

const MLP = { "model/mlp.yaml": "use: mlp\nhidden: [4]\nactivation: relu\n" };
const BASE = ["model=mlp", "training.epochs=3", "training.batch_size=4", "training.backend=wasm"];

/** Runs the tiny experiment in-process with a checkpoint folder and extra overrides. */
async function runWith(configDir: string, ckpt: string, extra: string[]): Promise<RunSummary> {
  const composed = await composeConfig({
    configDir,
    overrides: [...BASE, `+model.checkpoint_dir=${ckpt}`, ...extra],
  });
  return await runExperiment({ composed, log: createRecordingLogger() });
}

/** Every file under `dir` with its bytes, to show that a refused run changed nothing. */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (d: string) => {
    for await (const e of Deno.readDir(d)) {
      const p = join(d, e.name);
      if (e.isDirectory) await walk(p);
      else out[p] = Array.from(await Deno.readFile(p)).join(",");
    }
  };
  await walk(dir);
  return out;
}

/** A second fit with one thing changed is refused: ConfigError naming the folder and what differs. */
const MISMATCHES: { name: string; first: string[]; second: string[]; differs: RegExp }[] = [
  {
    name: "checkpoint written on other data",
    first: [],
    second: ["data.rpts=4"],
    differs: /training data \(sha256\) 'data\.train' differs/,
  },
  {
    name: "checkpoint written with another loss",
    first: ["loss=mse"],
    second: ["loss=mae"],
    differs: /loss 'loss\.name' differs \(checkpoint "mse", this fit "mae"\)/,
  },
  {
    name: "checkpoint written with other loss options",
    first: ["loss=huber", "loss.delta=1.0"],
    second: ["loss=huber", "loss.delta=0.1"],
    differs: /loss 'loss\.options\.delta' differs \(checkpoint 1, this fit 0\.1\)/,
  },
  {
    name: "checkpoint written with other model options",
    first: [],
    second: ["model.activation=tanh"],
    differs: /model 'model\.options\.activation' differs \(checkpoint "relu", this fit "tanh"\)/,
  },
  {
    name: "checkpoint written with other training settings",
    first: [],
    second: ["training.learning_rate=0.01"],
    differs: /training setting 'settings\.learning_rate' differs \(checkpoint 0\.001, this fit 0\.01\)/,
  },
  {
    name: "checkpoint written with another seed",
    first: [],
    second: ["experiment.seed=8"],
    differs: /'seed' differs/,
  },
];

for (const m of MISMATCHES) {
  robustnessCase("training", "error", m.name, async () => {
    const configDir = await makeConfigDir(MLP);
    const ckpt = await Deno.makeTempDir({ prefix: "batteryml-ckpt-" });
    const first = await runWith(configDir, ckpt, m.first);
    const before = { ckpt: await snapshot(ckpt), run: await snapshot(first.runDir) };
    const err = await runWith(configDir, ckpt, m.second).then(() => null, (e) => e);
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${err}`);
    assert.equal(err.keyPath, "model.checkpoint_dir");
    assert.match(
      err.message,
      new RegExp(`checkpoint in ${join(ckpt, "holdout", "inner")} belongs to another fit`),
    );
    assert.match(err.message, m.differs);
    assert.deepEqual(await snapshot(ckpt), before.ckpt, "the refused run changed the checkpoint folder");
    assert.deepEqual(await snapshot(first.runDir), before.run, "the refused run changed the earlier run");
  });
}

robustnessCase("training", "error", "checkpoint folder locked by a live process", async () => {
  const configDir = await makeConfigDir(MLP);
  const ckpt = await Deno.makeTempDir({ prefix: "batteryml-ckpt-" });
  const owner = new Deno.Command("sleep", { args: ["60"] }).spawn();
  try {
    const lock = JSON.stringify({
      pid: owner.pid,
      hostname: Deno.hostname(),
      acquiredAt: "2026-12-06T10:00:00Z",
    });
    await Deno.writeTextFile(join(ckpt, "lock"), lock);
    const err = await runWith(configDir, ckpt, []).then(() => null, (e) => e);
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${err}`);
    assert.equal(err.keyPath, "model.checkpoint_dir");
    assert.match(
      err.message,
      new RegExp(`folder ${ckpt} is in use by pid ${owner.pid} on ${Deno.hostname()}`),
    );
    assert.equal(await Deno.readTextFile(join(ckpt, "lock")), lock, "the live lock was replaced");
    assert.deepEqual(Object.keys(await snapshot(ckpt)), [join(ckpt, "lock")]);
  } finally {
    owner.kill("SIGKILL");
    await owner.status;
  }
});

robustnessCase("training", "warning", "stale lock of a process that no longer runs", async () => {
  const configDir = await makeConfigDir(MLP);
  const clean = await Deno.makeTempDir({ prefix: "batteryml-ckpt-" });
  const stale = await Deno.makeTempDir({ prefix: "batteryml-ckpt-" });
  const gone = new Deno.Command("true").spawn();
  await gone.status;
  await Deno.writeTextFile(
    join(stale, "lock"),
    JSON.stringify({ pid: gone.pid, hostname: Deno.hostname(), acquiredAt: "2026-12-06T10:00:00Z" }),
  );
  const reference = await runWith(configDir, clean, []);
  const composed = await composeConfig({ configDir, overrides: [...BASE, `+model.checkpoint_dir=${stale}`] });
  const log = createRecordingLogger();
  const summary = await runExperiment({ composed, log });
  const warnings = log.lines.filter((l) => l.startsWith("warning: took over the lock"));
  assert.equal(warnings.length, 1, log.lines.join("\n"));
  assert.match(warnings[0], new RegExp(`${stale} left by pid ${gone.pid}`));
  assert.equal(summary.status, "FINISHED");
  assert.equal(
    await Deno.readTextFile(join(summary.runDir, "predictions.csv")),
    await Deno.readTextFile(join(reference.runDir, "predictions.csv")),
  );
});

// ---------------------------------------------------------------------------------------------------
// Faults with real processes: the CLI as `deno task batteryml` runs it.

/** The CLI arguments of a long tiny run (150 epochs) into `out`, checkpointing into `ckpt` when given. */
function longRun(configDir: string, out: string, ckpt?: string): string[] {
  return [
    "run",
    "--config-dir",
    configDir,
    ...BASE.filter((o) => !o.startsWith("training.epochs")),
    "training.epochs=150",
    "training.patience=0",
    `output.dir=${out}`,
    ...(ckpt ? [`+model.checkpoint_dir=${ckpt}`] : []),
    "--json",
  ];
}

/** Waits until the inner fit's checkpoint in `ckpt` has reached `epoch`. */
async function untilCheckpointEpoch(ckpt: string, epoch: number, child: Deno.ChildProcess): Promise<void> {
  let exited = false;
  child.status.then(() => exited = true);
  for (;;) {
    if (exited) assert.fail("the run ended before it could be interrupted");
    try {
      const ck = JSON.parse(await Deno.readTextFile(join(ckpt, "holdout", "inner", "checkpoint.json")));
      if (ck.epoch >= epoch) return;
    } catch { /* not written yet */ }
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The first epoch the inner fit reported to the local tracker of the run whose summary is `stdout`. */
async function firstInnerEpoch(stdout: string): Promise<number> {
  const csv = await Deno.readTextFile(join(JSON.parse(stdout).runDir, "step_metrics.csv"));
  const row = csv.split("\n").find((l) => l.includes(",holdout/inner/train_loss,"));
  return Number(row?.split(",")[0]);
}

async function predictionsOf(stdout: string): Promise<string> {
  return await Deno.readTextFile(join(JSON.parse(stdout).runDir, "predictions.csv"));
}

for (const signal of ["SIGKILL", "SIGINT"] as const) {
  robustnessCase(
    "training",
    "identical",
    `${signal} during training, then the same command resumes`,
    async () => {
      const configDir = await makeConfigDir(MLP);
      const scratch = await scratchDir("resume");
      try {
        const ckpt = `${scratch.rel}/ckpt`;
        const reference = await runCli(longRun(configDir, `${scratch.rel}/reference`));
        assert.equal(reference.code, 0, reference.stderr);
        const earlier = JSON.parse(reference.stdout).runDir as string;
        const before = await snapshot(earlier);
        const args = longRun(configDir, `${scratch.rel}/resumed`, ckpt);
        const child = await spawnCli(args);
        await untilCheckpointEpoch(join(scratch.abs, "ckpt"), 6, child);
        child.kill(signal);
        const killed = await child.output();
        assert.notEqual(killed.code, 0, "the interrupted run reported success");
        const resumed = await runCli(args);
        assert.equal(resumed.code, 0, resumed.stderr);
        // It resumed (the inner fit's first reported epoch comes after the checkpoint), not restarted.
        assert.ok((await firstInnerEpoch(resumed.stdout)) > 5, "the run started over instead of resuming");
        if (signal === "SIGKILL") {
          // kill -9 leaves the lock behind: the next run takes it over, with a warning.
          assert.match(resumed.stderr, new RegExp(`took over the lock of .*ckpt left by pid ${child.pid}`));
        }
        assert.equal(await predictionsOf(resumed.stdout), await predictionsOf(reference.stdout));
        assert.deepEqual(await snapshot(earlier), before, "the earlier run was changed");
      } finally {
        await scratch.dispose();
      }
    },
  );
}

robustnessCase("training", "error", "two runs at once on one checkpoint folder", async () => {
  const configDir = await makeConfigDir(MLP);
  const scratch = await scratchDir("two-runs");
  try {
    const ckpt = `${scratch.rel}/ckpt`;
    const reference = await runCli(longRun(configDir, `${scratch.rel}/reference`));
    const first = await spawnCli(longRun(configDir, `${scratch.rel}/first`, ckpt));
    await untilCheckpointEpoch(join(scratch.abs, "ckpt"), 1, first);
    const second = await runCli(longRun(configDir, `${scratch.rel}/second`, ckpt));
    assert.equal(second.code, 1);
    assert.equal(second.stderr.trim().split("\n").length, 1, second.stderr);
    assert.match(
      second.stderr,
      new RegExp(`^error: config key 'model\\.checkpoint_dir': folder .*ckpt is in use by pid ${first.pid}`),
    );
    const out = await first.output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    // The first run was not disturbed: it ends as a run alone does, and its checkpoints are whole.
    assert.equal(
      await predictionsOf(new TextDecoder().decode(out.stdout)),
      await predictionsOf(reference.stdout),
    );
    for (const fit of ["inner", "refit"]) {
      const dir = join(scratch.abs, "ckpt", "holdout", fit);
      const index = JSON.parse(await Deno.readTextFile(join(dir, "checkpoint.json")));
      assert.equal(index.finished, true);
      assert.ok((await Deno.stat(join(dir, index.tensorsFile))).isFile);
    }
  } finally {
    await scratch.dispose();
  }
});
