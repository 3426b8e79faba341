/**
 * Writes one TensorBoard event file per writer, named as TensorBoard's own writer names them
 * (`events.out.tfevents.<10-digit secs>.<host>.<pid>.<n>`). Records are buffered in memory and appended
 * to the file on a timer and on close: a file is only ever appended to, never rewritten, because
 * TensorBoard tails files while they grow.
 */
import { join } from "node:path";
import { frameRecord } from "./_tfrecord.ts";
import { fileVersionEvent, summaryEvent } from "./_event.ts";
import { type EncodedValue, histogramValue, imageValue, scalarValue, textValue } from "./_summary.ts";
import { buildHistogram, type Histogram } from "./_histogram.ts";
import { pngInfo } from "./_png_info.ts";
import {
  type ExperimentInfo,
  experimentValue,
  type HParamValue,
  sessionEndValue,
  sessionStartValue,
  type SessionStatus,
} from "./hparams.ts";
import { concatBytes } from "./_proto_writer.ts";

/** Options of an event writer. */
export interface EventWriterOptions {
  /** Seconds between background flushes (default 30; 0 disables the timer). */
  flushSecs?: number;
  /** Clock in milliseconds since the epoch (tests pass a fixed one). */
  now?: () => number;
}

/** Per-process counter, the `<n>` of the file name: two writers in one process never share a file. */
let nextWriterUid = 0;

/** A TensorBoard event file writer for one run directory. */
export class EventWriter {
  /** Absolute or relative path of the event file. */
  readonly path: string;
  #now: () => number;
  #buffer: Uint8Array[] = [];
  #timer: ReturnType<typeof setInterval> | undefined;
  #flushChain: Promise<void> = Promise.resolve();
  #backgroundError: unknown;
  #closed = false;

  private constructor(path: string, now: () => number, flushSecs: number) {
    this.path = path;
    this.#now = now;
    if (flushSecs > 0) {
      const timer = setInterval(() => this.#backgroundFlush(), flushSecs * 1000);
      // The timer must not keep a finished program alive; close() flushes what is left.
      Deno.unrefTimer(timer);
      this.#timer = timer;
    }
  }

  /** Creates `dir` and a new event file in it, holding the `brain.Event:2` record (already on disk). */
  static async open(dir: string, options: EventWriterOptions = {}): Promise<EventWriter> {
    const now = options.now ?? Date.now;
    await Deno.mkdir(dir, { recursive: true });
    const path = await createEventFile(dir, now());
    const writer = new EventWriter(path, now, options.flushSecs ?? 30);
    writer.#enqueue(fileVersionEvent(now() / 1000));
    await writer.flush();
    return writer;
  }

  /** Adds a scalar (float32 `simple_value`). */
  scalar(tag: string, value: number, step: number): void {
    this.#summary(step, [scalarValue(tag, value)]);
  }

  /** Adds several scalars at one step in one event. */
  scalars(values: Record<string, number>, step: number): void {
    this.#summary(step, Object.entries(values).map(([tag, v]) => scalarValue(tag, v)));
  }

  /** Adds a histogram of raw values (bucketed here) or of precomputed statistics. */
  histogram(tag: string, values: ArrayLike<number> | Histogram, step: number): void {
    const histogram = isHistogram(values) ? values : buildHistogram(values);
    this.#summary(step, [histogramValue(tag, histogram)]);
  }

  /** Adds a PNG image; its size and colour space are read from the PNG header. */
  image(tag: string, png: Uint8Array, step: number): void {
    this.#summary(step, [imageValue(tag, png, pngInfo(png))]);
  }

  /** Adds Markdown text for the text dashboard. */
  text(tag: string, markdown: string, step: number): void {
    this.#summary(step, [textValue(tag, markdown)]);
  }

  /** Records the run's hyper-parameters for the HParams dashboard (a session start, at step 0). */
  sessionStart(hparams: Record<string, HParamValue>, startTimeSecs: number): void {
    this.#summary(0, [sessionStartValue(hparams, startTimeSecs)]);
  }

  /** Declares the HParams dashboard's columns for the runs below this writer's folder (at step 0). */
  experiment(info: ExperimentInfo): void {
    this.#summary(0, [experimentValue(info)]);
  }

  /** Records how the run ended for the HParams dashboard (a session end, at step 0). */
  sessionEnd(status: SessionStatus): void {
    this.#summary(0, [sessionEndValue(status, this.#now() / 1000)]);
  }

  /** Appends the buffered records to the file; concurrent calls are serialised in call order. */
  flush(): Promise<void> {
    this.#throwBackgroundError();
    const pending = this.#buffer;
    this.#buffer = [];
    // An earlier failed append was reported to its caller; it must not block later ones.
    this.#flushChain = this.#flushChain.catch(() => {}).then(() => appendRecords(this.path, pending));
    return this.#flushChain;
  }

  /** Stops the timer and flushes; later writes throw. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer !== undefined) clearInterval(this.#timer);
    await this.flush();
  }

  #summary(step: number, values: EncodedValue[]): void {
    if (this.#closed) throw new Error(`event writer for ${this.path} is closed`);
    this.#throwBackgroundError();
    this.#enqueue(summaryEvent(this.#now() / 1000, step, values));
  }

  #enqueue(event: Uint8Array): void {
    this.#buffer.push(frameRecord(event));
  }

  #backgroundFlush(): void {
    // A timer has nobody to throw to: keep the error and report it on the next call.
    this.flush().catch((err) => this.#backgroundError ??= err);
  }

  #throwBackgroundError(): void {
    if (this.#backgroundError === undefined) return;
    const err = this.#backgroundError;
    this.#backgroundError = undefined;
    throw err;
  }
}

function isHistogram(v: ArrayLike<number> | Histogram): v is Histogram {
  return (v as Histogram).bucketLimit instanceof Float64Array;
}

async function appendRecords(path: string, records: Uint8Array[]): Promise<void> {
  if (records.length === 0) return;
  await Deno.writeFile(path, concatBytes(records), { append: true });
}

/** Claims a fresh file name (exclusive create), bumping `<n>` if another writer got there first. */
async function createEventFile(dir: string, nowMs: number): Promise<string> {
  const secs = String(Math.floor(nowMs / 1000)).padStart(10, "0");
  const prefix = `events.out.tfevents.${secs}.${hostName()}.${Deno.pid}`;
  for (;;) {
    const path = join(dir, `${prefix}.${nextWriterUid++}`);
    try {
      await Deno.writeFile(path, new Uint8Array(0), { createNew: true });
      return path;
    } catch (err) {
      if (!(err instanceof Deno.errors.AlreadyExists)) throw err;
    }
  }
}

/** The host name for the file name; dots are kept, as TensorBoard's writer keeps them. */
function hostName(): string {
  try {
    return Deno.hostname();
  } catch {
    // Without --allow-sys the name is still unique enough through pid and counter.
    return "localhost";
  }
}
