import assert from "node:assert/strict";
import { composeConfig } from "../../core/config.ts";
import { permissionsFor, writeFolders } from "../../core/permissions.ts";

Deno.test("write folders: output.dir, plus every folder an option names outside it, once", async () => {
  const composed = await composeConfig({
    overrides: [
      "output.dir=/data/out",
      "tracking=[dual, tensorboard]",
      "tracking.1.logdir=/data/out/tb2", // inside output.dir: covered already
      "tracking.2.logdir=/srv/tb",
      "tracking.2.flush_secs=0",
      "model=mlp",
      "+model.checkpoint_dir=/scratch/ckpt",
    ],
  });
  // dual's MLflow store is MLflow's own ./mlruns (never under artifacts/), named in tracking/mlflow.yaml.
  assert.deepEqual(writeFolders(composed.config), ["/data/out", "/scratch/ckpt", "mlruns", "/srv/tb"]);
  const mlflowElsewhere = await composeConfig({
    overrides: ["tracking=mlflow", "tracking.0.tracking_uri=file:/srv/mlruns"],
  });
  assert.deepEqual(writeFolders(mlflowElsewhere.config), ["artifacts", "/srv/mlruns"]);
  assert.ok(
    (await permissionsFor(mlflowElsewhere.config, { version: 1, plugins: {} })).includes(
      "--allow-write=artifacts,/srv/mlruns",
    ),
  );
  // An mlflow entry that names no store writes the plugin's default, ./mlruns.
  const bare = { ...mlflowElsewhere.config, tracking: [{ use: "mlflow" }] };
  assert.deepEqual(writeFolders(bare), ["artifacts", "mlruns"]);
});
