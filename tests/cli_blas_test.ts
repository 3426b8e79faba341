/**
 * `training.blas` as a user runs it (`deno task batteryml run …`, the task's own permissions, the embedded
 * synthetic data, lstm_attn on the latent-ODE sequences for 3 epochs: the quickest sequence run):
 *
 * - openblas: exit 0, the log names the OpenBLAS file and its build, and the predictions differ from the
 *   builtin run's (the products run elsewhere) but the test RMSE agrees within 1e-4 relative. Why 1e-4:
 *   float32 products reassociated over K ≤ 64 terms differ by ≤ K·2⁻²⁴ ≈ 4e-6 relative, and three epochs of
 *   a few Adam steps do not amplify that by 25×; a wrong product (a transposed or misaligned operand)
 *   moves the RMSE by percent (measured here: 5e-8 relative, 19 of 76 predictions 1 ulp apart).
 * - absent: the config hash is the one this command had before the setting existed (computed at commit
 *   9dcd06b); `training.blas=builtin` gives predictions byte-identical to the run without the key.
 * - `predict --run` of an openblas run restores with OpenBLAS: the run's predictions, byte for byte.
 * - a checkpoint of a builtin fit is not resumed by an openblas fit (the resume fingerprint names blas),
 *   while `builtin` resumes the checkpoint of a fit without the key.
 * - errors: an unloadable `BATTERYML_OPENBLAS` is one line naming training.blas and the path; `mkl` is
 *   refused naming the key and the allowed values.
 * Needs the library (present on the project's machines); ignored with the reason where it cannot load.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { noOpenBlas, openBlas } from "./fixtures/openblas.ts";
import { batteryml, projectOutputDir, ROOT } from "./robustness/_runs.ts";

const missing = openBlas === null ? noOpenBlas : null;

const RUN = ["run", "model=lstm_attn", "pipeline=latent_ode_seq", "training.epochs=3"];
/** The config hash of RUN before `training.blas` existed (`config show`, commit 9dcd06b). */
const HASH_BEFORE_BLAS = "90074c4af22d49d153682886aff56e762b0adab60f40a79520f3c669449b3b9c";

interface RunResult {
  code: number;
  stderr: string;
  configHash: string;
  runId: string;
  runDir: string;
  rmse: number;
  predictionsCsv: string;
}

/** RUN (or `base`) with `extra` into `outputDir` (relative to the project), as `deno task batteryml` runs it. */
async function run(outputDir: string, extra: string[], base = RUN): Promise<RunResult> {
  // Not --json: it silences the log lines this test reads; the run folder is found from the last line.
  const r = await batteryml([...base, ...extra, `output.dir=${outputDir}`]);
  assert.equal(r.code, 0, r.stderr);
  const runDir = r.stdout.match(/→ (\S+)/)![1];
  const manifest = JSON.parse(await Deno.readTextFile(join(runDir, "manifest.json")));
  return {
    code: r.code,
    stderr: r.stderr,
    configHash: manifest.configHash,
    runId: manifest.runId,
    runDir,
    rmse: manifest.metrics.soh.overall.rmse,
    predictionsCsv: await Deno.readTextFile(join(runDir, "predictions.csv")),
  };
}

/** The y_pred column of a predictions CSV. */
function yPred(csv: string): number[] {
  const rows = csv.trim().split("\n");
  const col = rows[0].split(",").indexOf("y_pred");
  return rows.slice(1).map((l) => Number(l.split(",")[col]));
}

Deno.test({
  name:
    "training.blas=openblas: logs the library, changes the last bits, agrees to 1e-4; predict restores it",
  ignore: missing !== null,
  async fn() {
    const out = await projectOutputDir();
    try {
      const builtin = await run(out.rel, []);
      const openblas = await run(out.rel, ["training.blas=openblas"]);
      assert.match(openblas.stderr, /training\.blas: OpenBLAS \/\S*libopenblas\S* \(OpenBLAS \d+\.\d+/);
      assert.doesNotMatch(builtin.stderr, /OpenBLAS/);
      assert.notEqual(openblas.configHash, builtin.configHash, "the setting is part of the run's config");
      assert.ok(Number.isFinite(builtin.rmse) && builtin.rmse > 0, `rmse ${builtin.rmse}`);
      const a = yPred(builtin.predictionsCsv), b = yPred(openblas.predictionsCsv);
      assert.equal(a.length, b.length);
      assert.ok(a.some((v, i) => v !== b[i]), "OpenBLAS products change the predictions' last bits");
      const rel = Math.abs(openblas.rmse - builtin.rmse) / builtin.rmse;
      assert.ok(rel <= 1e-4, `RMSE ${openblas.rmse} vs builtin ${builtin.rmse}: ${rel} relative`);

      // predict on the run's own test cells (the same batch as in the run) restores the OpenBLAS products.
      const manifest = JSON.parse(await Deno.readTextFile(join(openblas.runDir, "manifest.json")));
      const cells = manifest.folds[0].test as string[];
      const predicted = await batteryml([
        "predict",
        "--run",
        openblas.runId,
        "--output-dir",
        out.rel,
        "--cells",
        cells.join(","),
      ]);
      assert.equal(predicted.code, 0, predicted.stderr);
      const sorted = (csv: string) => csv.trim().split("\n").slice(1).sort();
      assert.deepEqual(sorted(predicted.stdout), sorted(openblas.predictionsCsv));
    } finally {
      await out.dispose();
    }
  },
});

Deno.test({
  name:
    "training.blas=openblas on neural_ode: the ODE field's float64 products and the dense layers on OpenBLAS",
  ignore: missing !== null,
  async fn() {
    const out = await projectOutputDir();
    const base = ["run", "model=neural_ode", "pipeline=latent_ode_seq", "training.epochs=3"];
    try {
      const builtin = await run(out.rel, [], base);
      const openblas = await run(out.rel, ["training.blas=openblas"], base);
      assert.match(openblas.stderr, /training\.blas: OpenBLAS/);
      const a = yPred(builtin.predictionsCsv), b = yPred(openblas.predictionsCsv);
      assert.equal(a.length, b.length);
      assert.ok(a.some((v, i) => v !== b[i]), "OpenBLAS products change the predictions' last bits");
      // As for lstm_attn (top of the file): reassociated float32/float64 sums, three epochs.
      const rel = Math.abs(openblas.rmse - builtin.rmse) / builtin.rmse;
      assert.ok(rel <= 1e-4, `RMSE ${openblas.rmse} vs builtin ${builtin.rmse}: ${rel} relative`);
    } finally {
      await out.dispose();
    }
  },
});

Deno.test("training.blas absent keeps the config hash; builtin gives byte-identical predictions", async () => {
  const out = await projectOutputDir();
  try {
    const absent = await run(out.rel, []);
    assert.equal(absent.configHash, HASH_BEFORE_BLAS);
    assert.equal(absent.runId.split("-")[1], HASH_BEFORE_BLAS.slice(0, 8));
    const builtin = await run(out.rel, ["training.blas=builtin"]);
    assert.equal(builtin.predictionsCsv, absent.predictionsCsv);
    assert.doesNotMatch(builtin.stderr, /OpenBLAS/);
  } finally {
    await out.dispose();
  }
});

Deno.test({
  name: "a checkpoint of a builtin fit: resumed by builtin, refused by openblas naming blas",
  ignore: missing !== null,
  async fn() {
    const out = await projectOutputDir();
    try {
      const ckpt = join(out.rel, "ckpt");
      const args = [...RUN, `+model.checkpoint_dir=${ckpt}`, `output.dir=${out.rel}`, "--quiet"];
      const first = await batteryml(args);
      assert.equal(first.code, 0, first.stderr);
      const again = await batteryml([...args, "training.blas=builtin"]);
      assert.equal(again.code, 0, again.stderr);
      const other = await batteryml([...args, "training.blas=openblas"]);
      assert.equal(other.code, 1, other.stdout);
      assert.match(
        other.stderr,
        /error: config key 'model\.checkpoint_dir': .*belongs to another fit: .*'settings\.blas' differs \(checkpoint absent, this fit "openblas"\)/,
      );
    } finally {
      await out.dispose();
    }
  },
});

Deno.test("BATTERYML_OPENBLAS naming no library: one error line naming training.blas and the path", async () => {
  const out = await projectOutputDir();
  try {
    const r = await new Deno.Command(Deno.execPath(), {
      args: ["task", "-q", "batteryml", ...RUN, "training.blas=openblas", `output.dir=${out.rel}`, "--quiet"],
      cwd: ROOT,
      env: { BATTERYML_OPENBLAS: "/nonexistent/libx.so" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(r.stderr);
    assert.equal(r.code, 1, stderr);
    const errors = stderr.split("\n").filter((l) => l.startsWith("error:"));
    assert.equal(errors.length, 1, stderr);
    assert.match(
      errors[0],
      /^error: config key 'training\.blas': openblas: no usable OpenBLAS library; tried \/nonexistent\/libx\.so \(/,
    );
    assert.match(errors[0], /BATTERYML_OPENBLAS/);
  } finally {
    await out.dispose();
  }
});

Deno.test("training.blas=mkl is refused naming the key and the allowed values", async () => {
  const r = await batteryml([...RUN, "training.blas=mkl", "--quiet"]);
  assert.equal(r.code, 1, r.stdout);
  assert.match(r.stderr, /training\.blas/);
  assert.match(r.stderr, /^error: config key 'training\.blas': .*"builtin"\|"openblas" \(found "mkl"\)$/m);
});
