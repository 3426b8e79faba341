/**
 * Permissions that fit the work (issue 13, item 3): `--print-permissions` prints complete and minimal flags.
 * For `run` (TensorBoard and MLflow trackers, a checkpoint folder, all outside the project), `predict` and
 * `data synth --out`, each invocation runs to success under EXACTLY the printed flags
 * (`deno run <printed flags> cli/main.ts …`), and fails with Deno's NotCapable naming the path when one of
 * the grants is taken away. Read is scoped (the project, node_modules, what the command names), ffi names
 * only the native addons (nodejs-polars, resvg-js) — and, with `training.blas=openblas`, the OpenBLAS file the
 * run opens — write only the command's targets.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { openBlas } from "./fixtures/openblas.ts";
import { batteryml, ROOT } from "./robustness/_runs.ts";

/** `deno run <flags> cli/main.ts <args>` from the project root, as a user would type the printed flags. */
async function runWith(flags: string[], args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-prompt", ...flags, "cli/main.ts", ...args],
    cwd: ROOT,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  return {
    code: out.code,
    stdout: new TextDecoder().decode(out.stdout),
    stderr: new TextDecoder().decode(out.stderr),
  };
}

/** The printed flags of `args` (the command run with --print-permissions under the task). */
async function printedFlags(args: string[]): Promise<string[]> {
  const printed = await batteryml([...args, "--print-permissions"]);
  assert.equal(printed.code, 0, printed.stderr);
  return printed.stdout.trim().split(" ");
}

/** The flags with `path` taken out of the grant of `kind` (read and write: a path read back is written too). */
function without(flags: string[], kind: string, path: string): string[] {
  return flags.map((f) => {
    if (!f.startsWith(`--allow-${kind}=`)) return f;
    const kept = f.slice(`--allow-${kind}=`.length).split(",").filter((p) => p !== path);
    return `--allow-${kind}=${kept.join(",")}`;
  });
}

/** The value list of a flag (`--allow-read=a,b` → [a, b]). */
function grant(flags: string[], kind: string): string[] {
  const f = flags.find((x) => x.startsWith(`--allow-${kind}=`));
  assert.ok(f, `no --allow-${kind}=… in ${flags.join(" ")}`);
  return f.slice(`--allow-${kind}=`.length).split(",");
}

Deno.test("the printed flags are minimal: scoped read, ffi only on the native addons, no -A, no blanket grant", async () => {
  const flags = await printedFlags(["run"]);
  for (
    const blanket of ["-A", "--allow-all", "--allow-read", "--allow-write", "--allow-ffi", "--allow-net"]
  ) {
    assert.ok(!flags.includes(blanket), `${blanket} in ${flags.join(" ")}`);
  }
  const ffi = grant(flags, "ffi");
  assert.ok(ffi.some((p) => /nodejs-polars\.[a-z0-9-]+\.node$/.test(p)), ffi.join());
  assert.ok(ffi.every((p) => /(nodejs-polars|resvgjs)\.[a-z0-9-]+\.node$/.test(p)), ffi.join());
  assert.ok(grant(flags, "read").includes(ROOT), grant(flags, "read").join());
  assert.deepEqual(grant(flags, "write"), ["artifacts"]);
});

Deno.test("run with TensorBoard, MLflow and checkpoints outside the project: the printed flags suffice, one less fails", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "batteryml-perms-" });
  const out = join(tmp, "out"), ckpt = join(tmp, "ckpt"), store = join(tmp, "mlruns");
  const args = [
    "run",
    "tracking=dual",
    `tracking.2.tracking_uri=file:${store}`,
    `output.dir=${out}`,
    "model=mlp",
    `+model.checkpoint_dir=${ckpt}`,
    "training.epochs=2",
    "training.backend=wasm",
    "--json",
  ];
  try {
    const flags = await printedFlags(args);
    assert.deepEqual(grant(flags, "write"), [out, ckpt, store]);
    const ok = await runWith(flags, args);
    assert.equal(ok.code, 0, ok.stderr);
    const summary = JSON.parse(ok.stdout);
    assert.equal(summary.status, "FINISHED");
    const manifest = JSON.parse(await Deno.readTextFile(join(summary.runDir, "manifest.json")));
    assert.deepEqual(manifest.trackerFailures, {}, "every tracker wrote under the printed flags");
    assert.ok((await Array.fromAsync(Deno.readDir(join(out, "tensorboard", summary.runId)))).length > 0);
    assert.deepEqual((await Array.fromAsync(Deno.readDir(join(ckpt, "train_10_40C_test_25C")))).length, 2);

    // The checkpoint folder taken away: the model's fit is denied, naming the folder.
    const noCkpt = await runWith(without(without(flags, "write", ckpt), "read", ckpt), args);
    assert.equal(noCkpt.code, 1, noCkpt.stdout);
    assert.match(noCkpt.stderr, new RegExp(`Requires write access to "${ckpt}`));
    // The polars addon taken away: the CLI cannot load its data-frame library, naming the binary.
    const polars = grant(flags, "ffi").find((p) => p.includes("nodejs-polars"))!;
    const noFfi = await runWith(without(flags, "ffi", polars), args);
    assert.notEqual(noFfi.code, 0);
    assert.match(noFfi.stderr, /NotCapable: Requires ffi access to ".*nodejs-polars.*\.node"/);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("predict --out elsewhere and data synth --out elsewhere: the printed flags suffice, one less fails", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "batteryml-perms-" });
  try {
    const out = join(tmp, "out");
    const runArgs = ["run", `output.dir=${out}`, "--json", "--quiet"];
    const run = await runWith(await printedFlags(runArgs), runArgs);
    assert.equal(run.code, 0, run.stderr);
    const { runId } = JSON.parse(run.stdout);
    await Deno.mkdir(join(tmp, "pred"));
    const csv = join(tmp, "pred", "predictions.csv");
    const predictArgs = ["predict", "--run", runId, "--output-dir", out, "--out", csv];
    const flags = await printedFlags(predictArgs);
    assert.deepEqual(grant(flags, "write"), [join(out, "cache"), join(tmp, "pred")]);
    const ok = await runWith(flags, predictArgs);
    assert.equal(ok.code, 0, ok.stderr);
    const rows = (await Deno.readTextFile(csv)).trim().split("\n");
    assert.match(ok.stdout, new RegExp(`wrote ${rows.length - 1} predictions to ${csv}`));
    const denied = await runWith(
      without(without(flags, "write", join(tmp, "pred")), "read", join(tmp, "pred")),
      [
        ...predictArgs.slice(0, -1),
        join(tmp, "pred", "again.csv"),
      ],
    );
    assert.equal(denied.code, 1);
    assert.match(denied.stderr, new RegExp(`Requires (read|write) access to "${join(tmp, "pred")}`));

    const data = join(tmp, "synth");
    const synthArgs = ["data", "synth", "--out", data, "--experiments", "5"];
    const synthFlags = await printedFlags(synthArgs);
    assert.deepEqual(grant(synthFlags, "write"), [data]);
    const synth = await runWith(synthFlags, synthArgs);
    assert.equal(synth.code, 0, synth.stderr);
    assert.match(synth.stdout, /Expt 5: 8 cells/);
    await Deno.remove(data, { recursive: true });
    const noWrite = await runWith(synthFlags.filter((f) => !f.startsWith("--allow-write=")), synthArgs);
    assert.equal(noWrite.code, 1);
    assert.match(noWrite.stderr, new RegExp(`Requires write access to "${data}/`));
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

/** The OpenBLAS file a run would load here, or null (then the test below is ignored; fixtures/openblas.ts). */
const openBlasPath = openBlas?.path ?? null;

Deno.test({
  name:
    "run with training.blas=openblas: the printed ffi grant names the OpenBLAS file; it suffices, without it the run says so",
  ignore: openBlasPath === null,
  async fn() {
    const path = openBlasPath!;
    const tmp = await Deno.makeTempDir({ prefix: "batteryml-perms-" });
    const out = join(tmp, "out");
    const args = [
      "run",
      "model=lstm_attn",
      "pipeline=latent_ode_seq",
      "training.epochs=2",
      "training.blas=openblas",
      `output.dir=${out}`,
    ];
    try {
      const flags = await printedFlags(args);
      const ffi = grant(flags, "ffi");
      assert.ok(ffi.includes(path), `${path} not in ${ffi.join()}`);
      assert.ok(
        ffi.every((p) => p === path || /(nodejs-polars|resvgjs)\.[a-z0-9-]+\.node$/.test(p)),
        ffi.join(),
      );
      assert.ok(
        !grant(await printedFlags(["run"]), "ffi").includes(path),
        "no OpenBLAS grant without the setting",
      );
      const ok = await runWith(flags, args);
      assert.equal(ok.code, 0, ok.stderr);
      assert.match(
        ok.stderr,
        new RegExp(`training\\.blas: OpenBLAS ${path.replaceAll(".", "\\.")} \\(OpenBLAS `),
      );
      // The library taken out of the grant: Deno refuses to open it, and the run's error names the setting.
      const denied = await runWith(without(flags, "ffi", path), args);
      assert.equal(denied.code, 1, denied.stdout);
      assert.match(
        denied.stderr,
        new RegExp(`error: config key 'training\\.blas': .*Requires ffi access to "${path}"`),
      );
    } finally {
      await Deno.remove(tmp, { recursive: true });
    }
  },
});
