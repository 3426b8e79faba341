import assert from "node:assert/strict";
import { basename } from "node:path";
import { EventWriter } from "../../../lib/tfevents/event_writer.ts";
import { buildHistogram } from "../../../lib/tfevents/_histogram.ts";
import { readRecords } from "../../../lib/tfevents/_tfrecord.ts";
import { readEventFile } from "./event_decoder.ts";
import { grayPng } from "../../fixtures/png.ts";

const FIXED_MS = 1_700_000_000_250;
const fixedClock = () => FIXED_MS;

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "tfevents_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("event file is named like TensorBoard's writer and starts with brain.Event:2", async () => {
  await withTempDir(async (dir) => {
    const writer = await EventWriter.open(dir, { flushSecs: 0, now: fixedClock });
    await writer.close();
    assert.match(basename(writer.path), /^events\.out\.tfevents\.1700000000\.[^/]+\.\d+\.\d+$/);
    const events = await readEventFile(writer.path);
    assert.equal(events.length, 1);
    assert.equal(events[0].file_version, "brain.Event:2");
    assert.equal(events[0].wall_time, FIXED_MS / 1000);
    assert.equal(events[0].source_metadata.writer, "batteryml");
  });
});

Deno.test("two writers in one folder get two files", async () => {
  await withTempDir(async (dir) => {
    const a = await EventWriter.open(dir, { flushSecs: 0, now: fixedClock });
    const b = await EventWriter.open(dir, { flushSecs: 0, now: fixedClock });
    await a.close();
    await b.close();
    assert.notEqual(a.path, b.path);
  });
});

Deno.test("every summary kind decodes with protobufjs after CRC checks", async () => {
  await withTempDir(async (dir) => {
    const writer = await EventWriter.open(dir, { flushSecs: 0, now: fixedClock });
    writer.scalars({ "loss/train": 0.25, "loss/val": 1 / 3 }, 1);
    writer.histogram("weights/dense", [0, 1, 1, 2, 3, 3, 3, 4], 2);
    const png = grayPng(5, 3);
    writer.image("figures/capacity", png, 3);
    writer.text("config", "# Config\n- lr: 0.01", 0);
    await writer.close();

    const events = await readEventFile(writer.path);
    assert.equal(events.length, 5);
    for (const e of events) assert.equal(e.wall_time, FIXED_MS / 1000);
    const [, scalars, histo, image, text] = events;

    assert.equal(scalars.step, 1);
    assert.deepEqual(scalars.summary.value.map((v: { tag: string }) => v.tag), ["loss/train", "loss/val"]);
    assert.equal(scalars.summary.value[0].simple_value, 0.25);
    assert.equal(scalars.summary.value[1].simple_value, Math.fround(1 / 3));

    const h = histo.summary.value[0].histo;
    assert.equal(histo.step, 2);
    // proto3 decoding leaves zero-valued scalars unset.
    assert.deepEqual([h.min ?? 0, h.max, h.num, h.sum, h.sum_squares], [0, 4, 8, 17, 49]);
    assert.equal(h.bucket_limit.at(-1), 4);
    assert.equal(h.bucket.reduce((s: number, c: number) => s + c, 0), 8);

    const img = image.summary.value[0];
    assert.equal(img.tag, "figures/capacity");
    assert.deepEqual([img.image.width, img.image.height, img.image.colorspace], [5, 3, 1]);
    assert.deepEqual(Array.from(img.image.encoded_image_string), Array.from(png));

    const t = text.summary.value[0];
    assert.equal(t.tag, "config");
    assert.equal(t.metadata.plugin_data.plugin_name, "text");
    assert.equal(t.metadata.data_class, 2);
    assert.equal(t.tensor.dtype, 7);
    assert.deepEqual(t.tensor.tensor_shape ?? {}, {});
    assert.equal(new TextDecoder().decode(t.tensor.string_val[0]), "# Config\n- lr: 0.01");
  });
});

Deno.test("flush appends: bytes already on disk are never rewritten", async () => {
  await withTempDir(async (dir) => {
    const writer = await EventWriter.open(dir, { flushSecs: 0, now: fixedClock });
    writer.scalar("a", 1, 0);
    await writer.flush();
    const before = await Deno.readFile(writer.path);
    writer.scalar("a", 2, 1);
    assert.equal((await Deno.readFile(writer.path)).length, before.length, "buffered until flush");
    await writer.close();
    const after = await Deno.readFile(writer.path);
    assert.deepEqual(Array.from(after.subarray(0, before.length)), Array.from(before));
    assert.equal(readRecords(after).length, 3);
  });
});

Deno.test("the timer flushes buffered records without close", async () => {
  await withTempDir(async (dir) => {
    const writer = await EventWriter.open(dir, { flushSecs: 0.02, now: fixedClock });
    writer.scalar("a", 1, 0);
    await new Promise((r) => setTimeout(r, 120));
    assert.equal(readRecords(await Deno.readFile(writer.path)).length, 2);
    await writer.close();
  });
});

Deno.test("histogram buckets: right edges, counts, constant input, bad input", () => {
  const h = buildHistogram([0, 1, 2, 3], 2);
  assert.deepEqual(Array.from(h.bucketLimit), [1.5, 3]);
  assert.deepEqual(Array.from(h.bucket), [2, 2]);
  const c = buildHistogram([5, 5, 5]);
  assert.deepEqual([Array.from(c.bucketLimit), Array.from(c.bucket)], [[5], [3]]);
  assert.throws(() => buildHistogram([]), RangeError);
  assert.throws(() => buildHistogram([1, NaN]), /NaN or infinite/);
});

Deno.test("writes after close and non-integer steps are refused", async () => {
  await withTempDir(async (dir) => {
    const writer = await EventWriter.open(dir, { flushSecs: 0, now: fixedClock });
    assert.throws(() => writer.scalar("a", 1, 0.5), RangeError);
    await writer.close();
    assert.throws(() => writer.scalar("a", 1, 1), /closed/);
  });
});
