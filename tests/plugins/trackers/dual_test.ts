import assert from "node:assert/strict";
import { join } from "node:path";
import { composeConfig } from "../../../core/config.ts";
import { createRecordingLogger } from "../../../core/log.ts";
import { runExperiment } from "../../../core/run.ts";
import { makeConfigDir } from "../../fixtures/config_dir.ts";
import { readEventFile } from "../../lib/tfevents/event_decoder.ts";

Deno.test("tracking=dual leaves a local run, a TensorBoard run and an MLflow file-store run with the same metrics", async () => {
  const out = await Deno.makeTempDir({ prefix: "batteryml-dual-" });
  const configDir = await makeConfigDir({
    "tracking/tensorboard.yaml": `use: tensorboard\nlogdir: ${join(out, "tb")}\nflush_secs: 0\n`,
    "tracking/mlflow.yaml": `use: mlflow\ntracking_uri: file:${
      join(out, "mlruns")
    }\nexperiment_name: dual-test\n`,
    "tracking/dual.yaml": "preset: [local, tensorboard, mlflow]\n",
  });
  const composed = await composeConfig({ configDir, overrides: ["tracking=dual"] });
  const summary = await runExperiment({ composed, log: createRecordingLogger() });

  // Local: every logged (step, metric, value).
  const local = JSON.parse(await Deno.readTextFile(join(summary.runDir, "metrics.json"))) as {
    step: number;
    values: Record<string, number>;
  }[];
  const expected = new Map<string, number>();
  for (const s of local) for (const [k, v] of Object.entries(s.values)) expected.set(`${k}@${s.step}`, v);
  assert.ok(expected.has("test/soh/rmse@0"));

  // TensorBoard: scalar summaries from the run's event files (CRC-checked, decoded with protobufjs); the
  // train/ and validation/ sub-runs hold the `train_*`/`val_*` curves under their shared tag.
  const tb = await tensorBoardScalars(join(out, "tb", summary.runId));

  // MLflow file store: metrics/<key> lines "<ms> <value> <step>".
  const experiments = (await Array.fromAsync(Deno.readDir(join(out, "mlruns")))).filter((e) =>
    e.isDirectory && /^[0-9]+$/.test(e.name) && e.name !== "0"
  );
  assert.equal(experiments.length, 1);
  const expDir = join(out, "mlruns", experiments[0].name);
  const [runFolder] = (await Array.fromAsync(Deno.readDir(expDir))).filter((e) => e.isDirectory);
  const mlflow = new Map<string, number>();
  for (const key of expected.keys()) {
    const [name] = key.split("@");
    const text = await Deno.readTextFile(join(expDir, runFolder.name, "metrics", name)).catch(() => "");
    for (const line of text.trim().split("\n").filter(Boolean)) {
      const [, value, step] = line.split(" ");
      mlflow.set(`${name}@${step}`, Number(value));
    }
  }
  for (const [key, value] of expected) {
    assert.ok(tb.has(key), `TensorBoard lacks ${key}`);
    assert.equal(tb.get(key), Math.fround(value), `TensorBoard ${key}`); // simple_value is a float32
    assert.equal(mlflow.get(key), value, `MLflow ${key}`);
  }
  const meta = await Deno.readTextFile(join(expDir, runFolder.name, "meta.yaml"));
  assert.match(meta, /status: 3/); // FINISHED
});

Deno.test("a neural model's weight histograms reach TensorBoard", async () => {
  const out = await Deno.makeTempDir({ prefix: "batteryml-histo-" });
  const configDir = await makeConfigDir({
    "tracking/tensorboard.yaml": `use: tensorboard\nlogdir: ${join(out, "tb")}\nflush_secs: 0\n`,
    "model/mlp.yaml": "use: mlp\nhidden: [4]\n",
  });
  const composed = await composeConfig({
    configDir,
    overrides: ["tracking=tensorboard", "model=mlp", "training.epochs=3", "training.backend=wasm"],
  });
  const summary = await runExperiment({ composed, log: createRecordingLogger() });
  const tbDir = join(out, "tb", summary.runId);
  // The run folder holds its event file and the train/ and validation/ sub-runs of the loss curves.
  const entries = await Array.fromAsync(Deno.readDir(tbDir));
  const [file] = entries.filter((e) => e.isFile && e.name.includes("tfevents")).map((e) => e.name);
  assert.deepEqual(entries.filter((e) => e.isDirectory).map((e) => e.name).sort(), ["train", "validation"]);
  const histograms = (await readEventFile(join(tbDir, file)))
    .flatMap((e) => (e.summary?.value ?? []).filter((v: { histo?: unknown }) => v.histo))
    .map((v: { tag: string; histo: { num: number } }) => ({ tag: v.tag, num: v.histo.num }));
  assert.ok(histograms.length > 0, "no histogram summaries");
  assert.ok(
    histograms.every((h) => /\/weights\//.test(h.tag) && h.num > 0),
    JSON.stringify(histograms.slice(0, 3)),
  );
});

/** Every scalar of a TensorBoard run folder by original metric key `<tag>@<step>`, sub-runs mapped back. */
async function tensorBoardScalars(runDir: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const read = async (dir: string, toKey: (tag: string) => string) => {
    // A sub-run exists only when the model logged such curves.
    if (!(await Deno.stat(dir).then(() => true, () => false))) return;
    const files = (await Array.fromAsync(Deno.readDir(dir))).filter((e) =>
      e.isFile && e.name.includes("tfevents")
    );
    assert.equal(files.length, 1, `one event file in ${dir}`);
    for (const event of await readEventFile(join(dir, files[0].name))) {
      for (const v of event.summary?.value ?? []) {
        if (v.simple_value !== undefined) out.set(`${toKey(v.tag)}@${event.step ?? 0}`, v.simple_value);
      }
    }
  };
  const prefixed = (prefix: string) => (tag: string) => {
    const slash = tag.lastIndexOf("/");
    return `${tag.slice(0, slash + 1)}${prefix}${tag.slice(slash + 1)}`;
  };
  await read(runDir, (tag) => tag);
  await read(join(runDir, "train"), prefixed("train_"));
  await read(join(runDir, "validation"), prefixed("val_"));
  return out;
}
