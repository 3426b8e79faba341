import assert from "node:assert/strict";
import { join } from "node:path";
import tensorboard, {
  tensorboardLogdir,
  type TensorBoardTracker,
} from "../../../plugins/trackers/tensorboard.ts";
import { validateDefinition } from "../../../core/loader.ts";
import { runContract } from "../../../testing/mod.ts";
import { type DecodedEvent, readEventFile } from "../../lib/tfevents/event_decoder.ts";
import { grayPng } from "../../fixtures/png.ts";
import { testContext, testRun, withTempDir } from "./tracker_fixtures.ts";

function eventFileIn(dir: string): string {
  const names = [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => n.includes("tfevents"));
  assert.equal(names.length, 1, "one event file per run");
  return join(dir, names[0]);
}

Deno.test("tensorboard passes the tracker contract", async () => {
  await withTempDir(async (logdir) => {
    const loaded = {
      specifier: "tensorboard",
      source: "builtin" as const,
      resolved: "",
      definition: validateDefinition("tensorboard", { default: tensorboard }, "tracker"),
    };
    const results = await runContract(loaded, { logdir, flush_secs: 0 });
    assert.deepEqual(results.filter((r) => !r.ok), []);
  });
});

Deno.test("tensorboard writes config, params, scalars, figures, histograms and status into <logdir>/<runId>", async () => {
  await withTempDir(async (logdir) => {
    const ctx = testContext();
    const options = tensorboard.options["~standard"].validate({ logdir, flush_secs: 0 });
    assert.ok(!("issues" in options && options.issues));
    const tracker = tensorboard.create({ logdir, flush_secs: 0 }, ctx) as TensorBoardTracker;
    const run = testRun(join(logdir, "unused"));
    await tracker.start(run);
    await tracker.params({ "model.lr": 0.01, name: "a|b" });
    await tracker.metrics({ "loss/train": 0.5, rmse: 0.25 }, 0);
    await tracker.metrics({ "loss/train": 0.4, rmse: 0.2 }, 1);
    await tracker.figure("capacity", { png: grayPng(4, 2), svg: "<svg/>" });
    await tracker.figure("svg_only", { svg: "<svg/>" });
    tracker.histogram("weights/dense", [0.1, 0.2, -0.3], 1);
    await tracker.end("FINISHED");

    const events = await readEventFile(eventFileIn(join(logdir, run.runId)));
    assert.equal(events[0].file_version, "brain.Event:2");
    const values = events.slice(1).map((e) => ({ step: e.step ?? 0, ...e.summary.value[0] }));
    const byTag = (tag: string) => values.filter((v) => v.tag === tag);
    const text = (v: { tensor: { string_val: Uint8Array[] } }) =>
      new TextDecoder().decode(v.tensor.string_val[0]);

    assert.equal(text(byTag("config")[0]), "```yaml\n" + run.configYaml + "```");
    assert.equal(byTag("config")[0].metadata.plugin_data.plugin_name, "text");
    assert.match(text(byTag("params")[0]), /\| model\.lr \| 0\.01 \|/);
    assert.match(text(byTag("params")[0]), /\| name \| a\\\|b \|/);
    const losses = events.filter((e) =>
      e.summary?.value.some((v: { tag: string }) => v.tag === "loss/train")
    );
    assert.deepEqual(losses.map((e) => [e.step ?? 0, e.summary.value.length]), [[0, 2], [1, 2]]);
    assert.equal(byTag("capacity")[0].image.width, 4);
    assert.equal(byTag("svg_only").length, 0);
    assert.ok(
      ctx.log.lines.some((l) => l.includes("svg_only") && l.includes("PNG")),
      "svg-only figure is reported",
    );
    assert.equal(byTag("weights/dense")[0].histo.num, 3);
    assert.match(text(byTag("status")[0]), /FINISHED/);
  });
});

Deno.test("tensorboard calls before start() fail clearly", () => {
  const tracker = tensorboard.create(
    { logdir: "unused", flush_secs: 0 },
    testContext(),
  ) as TensorBoardTracker;
  assert.throws(() => tracker.metrics({ a: 1 }, 0), /start\(\) was not called/);
});

/** plugin_data.proto / api.proto / struct.proto, reduced to what a session writes (field numbers as upstream). */
const HPARAMS_PROTO = `
syntax = "proto3";
package hp;
message Value { oneof kind { int32 null_value = 1; double number_value = 2; string string_value = 3; bool bool_value = 4; } }
message SessionStartInfo { map<string, Value> hparams = 1; string model_uri = 2; string monitor_url = 3; string group_name = 4; double start_time_secs = 5; }
message SessionEndInfo { int32 status = 1; double end_time_secs = 2; }
message HParamsPluginData { int32 version = 1; oneof data { bytes experiment = 2; SessionStartInfo session_start_info = 3; SessionEndInfo session_end_info = 4; } }
`;

Deno.test("tensorboard: HParams session start (params) and end (status) records, decoded by field number", async () => {
  const protobuf = (await import("protobufjs")).default;
  const PluginData = protobuf.parse(HPARAMS_PROTO, { keepCase: true }).root.lookupType(
    "hp.HParamsPluginData",
  );
  for (const [status, code] of [["FINISHED", 1], ["FAILED", 2], ["KILLED", 2]] as const) {
    await withTempDir(async (logdir) => {
      const tracker = tensorboard.create({ logdir, flush_secs: 0 }, testContext()) as TensorBoardTracker;
      const run = testRun(join(logdir, "unused"));
      await tracker.start(run);
      await tracker.params({ "model.num_leaves": 15, "model.use": "lgbm", "evaluation.refit": true });
      await tracker.metrics({ "test/soh/rmse": 0.031 }, 0);
      await tracker.end(status);
      const events = await readEventFile(eventFileIn(join(logdir, run.runId)));
      const hp = events.flatMap((e) => e.summary?.value ?? []).filter((v: { tag: string }) =>
        v.tag.startsWith("_hparams_/")
      );
      assert.deepEqual(hp.map((v: { tag: string }) => v.tag), [
        "_hparams_/session_start_info",
        "_hparams_/session_end_info",
      ]);
      for (const v of hp) {
        assert.equal(v.metadata.plugin_data.plugin_name, "hparams");
        assert.equal(v.tensor.dtype, 1, "the plugin's null tensor: DT_FLOAT");
        assert.equal(v.tensor.tensor_shape.dim[0].size ?? 0, 0, "of shape [0]");
      }
      const decode = (v: DecodedEvent) =>
        PluginData.toObject(PluginData.decode(v.metadata.plugin_data.content)) as DecodedEvent;
      const start = decode(hp[0]);
      assert.equal(start.version ?? 0, 0);
      assert.deepEqual(start.session_start_info.hparams, {
        "evaluation.refit": { bool_value: true },
        "model.num_leaves": { number_value: 15 },
        "model.use": { string_value: "lgbm" },
      });
      assert.equal(start.session_start_info.start_time_secs, run.startedAt.getTime() / 1000);
      const end = decode(hp[1]);
      assert.equal(end.session_end_info.status, code, `${status} → Status ${code}`);
      assert.ok(end.session_end_info.end_time_secs >= start.session_start_info.start_time_secs);
    });
  }
});

Deno.test("tensorboard: train_*/val_* curves go to the train/ and validation/ sub-runs under one tag", async () => {
  await withTempDir(async (logdir) => {
    const tracker = tensorboard.create({ logdir, flush_secs: 0 }, testContext()) as TensorBoardTracker;
    const run = testRun(join(logdir, "unused"));
    await tracker.start(run);
    await tracker.metrics({
      "f1/inner/train_loss": 0.5,
      "f1/inner/val_loss": 0.7,
      "f1/inner/learning_rate": 1e-3,
    }, 0);
    await tracker.metrics({ "f1/inner/train_loss": 0.25, "f1/inner/val_loss": 0.5 }, 1);
    await tracker.metrics({ "f1/refit/train_l2": 0.125 }, 10);
    await tracker.end("FINISHED");
    const scalars = async (dir: string) =>
      (await readEventFile(eventFileIn(dir))).slice(1).flatMap((e) =>
        (e.summary?.value ?? []).filter((v: { simple_value?: number }) => v.simple_value !== undefined)
          .map((v: { tag: string; simple_value: number }) => [e.step ?? 0, v.tag, v.simple_value])
      );
    assert.deepEqual(await scalars(join(logdir, run.runId, "train")), [
      [0, "f1/inner/loss", 0.5],
      [1, "f1/inner/loss", 0.25],
      [10, "f1/refit/l2", 0.125],
    ]);
    assert.deepEqual(await scalars(join(logdir, run.runId, "validation")), [
      [0, "f1/inner/loss", Math.fround(0.7)],
      [1, "f1/inner/loss", 0.5],
    ]);
    const own = await scalars(join(logdir, run.runId));
    assert.deepEqual(own.map((r) => r[1]), ["f1/inner/learning_rate"]);
  });
});

Deno.test("tensorboard logdir defaults to <output.dir>/tensorboard; an explicit logdir wins", () => {
  assert.equal(tensorboardLogdir({ flush_secs: 0 }, "/data/out"), "/data/out/tensorboard");
  assert.equal(tensorboardLogdir({ flush_secs: 0 }), "artifacts/tensorboard");
  assert.equal(tensorboardLogdir({ logdir: "/srv/tb", flush_secs: 0 }, "/data/out"), "/srv/tb");
});
