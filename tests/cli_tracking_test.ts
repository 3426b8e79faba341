/**
 * MLflow's store location as a user meets it, under the `batteryml` task's own permissions: a store below a
 * folder named `artifacts` is refused naming the key, and `tracking migrate` moves an old store out of it.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { parse } from "yaml";
import { FileStore } from "../lib/mlflow/mod.ts";
import { readEventFile } from "./lib/tfevents/event_decoder.ts";
import { batteryml, projectOutputDir } from "./robustness/_runs.ts";

Deno.test("a tracking_uri below a folder named artifacts is one error line naming the key", async () => {
  const r = await batteryml([
    "config",
    "show",
    "tracking=mlflow",
    "tracking.0.tracking_uri=file:artifacts/mlruns",
  ]);
  assert.equal(r.code, 1, r.stdout);
  assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
  assert.match(r.stderr, /^error: config key 'tracking\.0\.tracking_uri'.*artifacts/);
});

Deno.test("tracking migrate moves an old artifacts/mlruns store and rewrites its locations", async () => {
  const out = await projectOutputDir();
  try {
    const from = join(out.rel, "artifacts", "mlruns"), to = join(out.rel, "mlruns");
    const store = new FileStore(pathToFileURL(join(out.abs, "artifacts", "mlruns")).href);
    const run = await store.createRun(await store.ensureExperiment("batteryml"), {
      runName: "old",
      startTime: 1,
      userId: "u",
      tags: {},
    });
    await run.end("FINISHED", 2);
    const moved = await batteryml(["tracking", "migrate", "--from", from, "--to", to]);
    assert.equal(moved.code, 0, moved.stderr);
    assert.match(moved.stdout, /2 experiments, 1 runs, 3 locations rewritten/);
    const again = await batteryml([
      "tracking",
      "migrate",
      "--from",
      to,
      "--to",
      join(out.rel, "artifacts", "x"),
    ]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /^error: config key '--to'.*artifacts/);
    const exp = [...Deno.readDirSync(out.mlruns)].find((e) => e.isDirectory && /^\d{3,}$/.test(e.name))!;
    const meta = parse(await Deno.readTextFile(join(out.mlruns, exp.name, "meta.yaml")));
    assert.equal(meta.artifact_location, pathToFileURL(join(out.mlruns, exp.name)).href);
  } finally {
    await out.dispose();
  }
});

Deno.test("batteryml run sends the parity and trajectory figures to every tracker", async () => {
  const out = await projectOutputDir();
  try {
    const r = await batteryml(["run", "--json", `output.dir=${out.rel}`, "tracking=[local, tensorboard]"]);
    assert.equal(r.code, 0, r.stderr);
    const summary = JSON.parse(r.stdout);
    for (const name of ["parity_soh", "trajectories_soh"]) {
      assert.ok((await Deno.stat(join(summary.runDir, "figures", `${name}.png`))).size > 1000, name);
    }
    const tbRun = join(out.abs, "tensorboard", summary.runId);
    const file = [...Deno.readDirSync(tbRun)].find((e) => e.isFile && e.name.includes("tfevents"))!.name;
    const images = (await readEventFile(join(tbRun, file))).flatMap((e) =>
      (e.summary?.value ?? []).filter((v: { image?: unknown }) => v.image).map((v: { tag: string }) => v.tag)
    );
    assert.deepEqual(images.sort(), ["parity_soh", "trajectories_soh"]);
  } finally {
    await out.dispose();
  }
});
