import assert from "node:assert/strict";
import { join } from "node:path";
import tensorboard, {
  tensorboardLogdir,
  type TensorBoardTracker,
} from "../../../plugins/trackers/tensorboard.ts";
import { validateDefinition } from "../../../core/loader.ts";
import { runContract } from "../../../core/contract/run_contract.ts";
import { readEventFile } from "../../lib/tfevents/event_decoder.ts";
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

Deno.test("tensorboard logdir defaults to <output.dir>/tensorboard; an explicit logdir wins", () => {
  assert.equal(tensorboardLogdir({ flush_secs: 0 }, "/data/out"), "/data/out/tensorboard");
  assert.equal(tensorboardLogdir({ flush_secs: 0 }), "artifacts/tensorboard");
  assert.equal(tensorboardLogdir({ logdir: "/srv/tb", flush_secs: 0 }, "/data/out"), "/srv/tb");
});
