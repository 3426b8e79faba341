/**
 * `batteryml run` and `runs list` as a user runs them: exit codes of every class of command-line error
 * (spawned through `deno task`), a run under exactly the flags `--print-permissions` prints with a
 * non-default output folder, and the runs listing.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { batteryml, projectOutputDir, ROOT } from "./robustness/_runs.ts";

const USAGE_ERRORS: { name: string; args: string[]; message: RegExp }[] = [
  { name: "unknown command", args: ["nosuch"], message: /^error: No command registered for `nosuch`/ },
  { name: "unknown flag", args: ["run", "--nosuch"], message: /^error: No flag registered for --nosuch/ },
  { name: "missing required flag", args: ["predict"], message: /^error: Expected input for flag --run/ },
  {
    name: "bad enum value",
    args: ["run", "--backend", "gpu"],
    message: /^error: Expected "gpu" to be one of \(auto\|wasm\|cpu\|webgpu\)/,
  },
];

for (const u of USAGE_ERRORS) {
  Deno.test(`usage error (${u.name}) exits 2 with an error: line`, async () => {
    const r = await batteryml(u.args);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, u.message);
    assert.equal(r.stdout, "");
  });
}

Deno.test("a failing command exits 1 with an error: line; --version exits 0", async () => {
  const bad = await batteryml(["config", "show", "training.epochs=-1"]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /^error: config key 'training\.epochs'/);
  const ok = await batteryml(["--version"]);
  assert.equal(ok.code, 0, ok.stderr);
});

Deno.test("a dual-tracking run with exactly the printed flags writes every record where the config says", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "batteryml-outdir-" });
  const out = join(tmp, "out"), ckpt = join(tmp, "ckpt"), store = join(tmp, "mlruns");
  const overrides = [
    "tracking=dual",
    `tracking.2.tracking_uri=file:${store}`,
    `output.dir=${out}`,
    "model=mlp",
    `+model.checkpoint_dir=${ckpt}`,
    "training.epochs=2",
    "training.backend=wasm",
  ];
  try {
    const printed = await batteryml(["run", "--print-permissions", ...overrides]);
    assert.equal(printed.code, 0, printed.stderr);
    const flags = printed.stdout.trim().split(" ");
    assert.ok(flags.includes(`--allow-write=${out},${ckpt},${store}`), printed.stdout);
    const run = await new Deno.Command(Deno.execPath(), {
      args: ["run", ...flags, "cli/main.ts", "run", "--json", ...overrides],
      cwd: ROOT,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(run.stderr);
    assert.equal(run.code, 0, stderr);
    const summary = JSON.parse(new TextDecoder().decode(run.stdout));
    assert.equal(summary.status, "FINISHED");
    const manifest = JSON.parse(await Deno.readTextFile(join(summary.runDir, "manifest.json")));
    assert.deepEqual(manifest.trackerFailures, {}, stderr);
    // TensorBoard: <output.dir>/tensorboard/<run id>/events.out.tfevents.*
    const events = await Array.fromAsync(Deno.readDir(join(out, "tensorboard", summary.runId)));
    assert.equal(events.filter((e) => e.name.startsWith("events.out.tfevents.")).length, 1);
    // MLflow file store where the config says: <store>/<experiment>/<run>/ with FINISHED status and metrics.
    const run0 = await mlflowRunDir(store, summary.runId);
    assert.match(await Deno.readTextFile(join(run0, "meta.yaml")), /^status: 3$/m);
    assert.ok(await Deno.stat(join(run0, "metrics", "test", "soh", "rmse")));
    // Checkpoints of every fit, outside artifacts/.
    const fits = (await Array.fromAsync(Deno.readDir(join(ckpt, "train_10_40C_test_25C")))).map((e) =>
      e.name
    );
    assert.deepEqual(fits.sort(), ["inner", "refit"]);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

async function mlflowRunDir(store: string, runId: string): Promise<string> {
  for await (const exp of Deno.readDir(store)) {
    if (!exp.isDirectory || exp.name.startsWith(".")) continue;
    for await (const run of Deno.readDir(join(store, exp.name))) {
      const tag = join(store, exp.name, run.name, "tags", "batteryml.run_id");
      if ((await Deno.readTextFile(tag).catch(() => "")).trim() === runId) {
        return join(store, exp.name, run.name);
      }
    }
  }
  throw new Error(`no MLflow run for ${runId} in ${store}`);
}

Deno.test("runs list prints id, status, start, config hash, model and headline", async () => {
  const out = await projectOutputDir();
  try {
    const empty = await batteryml(["runs", "list", "--output-dir", out.rel]);
    assert.equal(empty.stdout, "no runs\n");
    const run = await batteryml(["run", `output.dir=${out.rel}`, "--json", "--quiet"]);
    assert.equal(run.code, 0, run.stderr);
    const summary = JSON.parse(run.stdout);
    const listed = await batteryml(["runs", "list", "--output-dir", out.rel]);
    assert.equal(listed.code, 0, listed.stderr);
    const [header, line] = listed.stdout.trim().split("\n");
    assert.match(header, /^run id\s+status\s+started\s+config\s+model\s+headline$/);
    const rmse = summary.report.soh.overall.rmse.toPrecision(4);
    assert.match(
      line,
      new RegExp(
        `^${summary.runId}\\s+FINISHED\\s+\\S+Z\\s+${
          summary.configHash.slice(0, 8)
        }\\s+lgbm\\s+soh RMSE ${rmse}$`,
      ),
    );
  } finally {
    await out.dispose();
  }
});

Deno.test("run evaluation.val_per_temperature=N: the core moves N training cells per temperature to validation", async () => {
  const out = await projectOutputDir();
  try {
    const folds = async (n: number) => {
      const r = await batteryml([
        "run",
        "--json",
        "model=linear",
        "tracking=null",
        `evaluation.val_per_temperature=${n}`,
        `output.dir=${out.rel}`,
      ]);
      assert.equal(r.code, 0, r.stderr);
      return (JSON.parse(r.stdout) as { folds: { train: string[]; val: string[]; test: string[] }[] }).folds;
    };
    const [zero, one, two] = [await folds(0), await folds(1), await folds(2)];
    // Synthetic Expt 1 + 5, train 10 + 40 °C: at least three cells at each, so N ≤ 2 are all drawn.
    const all = [...zero[0].train].sort();
    assert.deepEqual(zero[0].val, []);
    for (const [n, f] of [[1, one[0]], [2, two[0]]] as const) {
      assert.deepEqual([...f.train, ...f.val].sort(), all, "validation comes out of train, nothing else");
      assert.equal(f.val.length, 2 * n, `${n} per temperature at 10 and 40 °C`);
      assert.ok(f.val.every((k) => !f.test.includes(k)));
    }
  } finally {
    await out.dispose();
  }
});
