/**
 * The tensorboard tracker in a sweep, at the plugin level: how swept values are typed for the HParams
 * dashboard, where a point's run goes (under the sweep's folder; a plain run's place is unchanged), and that
 * an aggregation with nothing compared, or an hparam of mixed types, is an error rather than an empty record.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import tensorboard, { type TensorBoardTracker } from "../../../plugins/trackers/tensorboard.ts";
import { sweepHandle, writeSweepExperiment } from "../../../plugins/trackers/tensorboard_sweep.ts";
import { experimentValue } from "../../../lib/tfevents/mod.ts";
import type { SweepInfo } from "../../../core/plugin.ts";
import { decodeHParams, summaryValues } from "../../fixtures/sweep_tracking.ts";
import { testContext, testRun, withTempDir } from "./tracker_fixtures.ts";

function sweepOf(axes: Record<string, string[]>): SweepInfo {
  return { id: "s-0123abcd", name: "s", dir: "/unused", points: 4, axes, recordJson: "{}" };
}

Deno.test("tensorboard sweep: a key is a number or a boolean only when every value is one", () => {
  const { kinds } = sweepHandle(sweepOf({
    "model.learning_rate": ["0.01", "1e-3"],
    "model.flag": ["true", "false"],
    model: ["lgbm", "linear"],
    "model.mixed": ["1", "a"],
    "experiment.seed": ["1", "2"],
  }));
  assert.deepEqual(kinds, {
    "model.learning_rate": "number",
    "model.flag": "boolean",
    model: "string",
    "model.mixed": "string",
    "experiment.seed": "number",
  });
});

Deno.test("tensorboard sweep: a point's run goes under <logdir>/<sweep id>, its session holding the typed swept values", async () => {
  await withTempDir(async (logdir) => {
    const sweep = sweepOf({ model: ["dummy", "linear"], "model.alpha": ["0.1", "1"] });
    const sweeper = tensorboard.create({ logdir, flush_secs: 0 }, testContext()) as TensorBoardTracker;
    // The handle reaches a point through the sweep folder's trackers.json.
    const handle = JSON.parse(JSON.stringify(await sweeper.sweepStart!(sweep)));
    const point = tensorboard.create({ logdir, flush_secs: 0 }, testContext()) as TensorBoardTracker;
    const run = {
      ...testRun(join(logdir, "unused")),
      sweep: { id: sweep.id, point: 1, params: { model: "linear", "model.alpha": "1" }, handle },
    };
    await point.start(run);
    await point.params({ "model.use": "linear", "model.alpha": 1 });
    await point.end("FINISHED");
    const values = await summaryValues(join(logdir, sweep.id, run.runId));
    const start = await decodeHParams(values.find((v) => v.tag === "_hparams_/session_start_info")!);
    assert.deepEqual(start.session_start_info.hparams, {
      model: { string_value: "linear" },
      "model.alpha": { number_value: 1 },
      "model.use": { string_value: "linear" },
    });
    // A run outside a sweep keeps its place: <logdir>/<run id>.
    const plain = tensorboard.create({ logdir, flush_secs: 0 }, testContext()) as TensorBoardTracker;
    await plain.start(testRun(join(logdir, "unused")));
    await plain.end("FINISHED");
    assert.ok((await summaryValues(join(logdir, run.runId))).length > 0);
  });
});

Deno.test("tensorboard sweep: nothing compared, or an hparam of mixed types, is an error", async () => {
  await withTempDir(async (logdir) => {
    await assert.rejects(
      () =>
        writeSweepExperiment(logdir, sweepOf({ model: ["a"] }), {
          status: "FAILED",
          counts: {},
          error: "no FINISHED point",
        }),
      /nothing was compared \(no FINISHED point\)/,
    );
  });
  assert.throws(
    () =>
      experimentValue({
        name: "x",
        timeCreatedSecs: 0,
        hparams: [{ name: "k", values: [1, "a"] }],
        metrics: [],
      }),
    /hparam 'k': expected values of one type, found number, string/,
  );
});
