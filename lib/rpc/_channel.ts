/**
 * One end of the host ↔ sandbox conversation: calls on objects by id, both ways (the host calls the
 * plugin's instance; the plugin calls back the View it was handed, its logger, the metric sink). Messages
 * are codec frames: `{c, o, m, a}` a call of method `m` (or the function itself) on local object `o`;
 * `{r, v}` / `{r, e}` its result or error. Object 0 is the sandbox's root (core/sandbox/entry.ts).
 */
import { decodeMessage, encodeMessage, methodNames, type RefCodec } from "./_codec.ts";

/** An error as it crosses the boundary: its class name, message and the platform code if any. */
export interface WireError {
  name: string;
  message: string;
  code?: string;
}

/** An error that happened on the other side; `name` and `code` are the original's. */
export class RemoteError extends Error {
  readonly code?: string;
  constructor(info: WireError) {
    super(info.message);
    this.name = info.name;
    this.code = info.code;
  }
}

/** Hooks the host uses: keep the process alive while calls are in flight; explain a closed pipe. */
export interface ChannelHooks {
  /** Called with the number of calls in flight whenever it changes between 0 and 1. */
  busy?(inFlight: number): void;
  /** The error that rejects pending calls once the other side is gone. */
  closedError?(): Promise<Error> | Error;
}

interface Pending {
  resolve(value: unknown): void;
  reject(err: Error): void;
}

/** A message channel over a byte stream pair. */
export class Channel implements RefCodec {
  readonly #local = new Map<number, object>();
  readonly #ids = new WeakMap<object, number>();
  readonly #pending = new Map<number, Pending>();
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly #hooks: ChannelHooks;
  /** The one-way calls received, run one after another (as the caller would have awaited them). */
  #oneWayTail: Promise<void> = Promise.resolve();
  #oneWayPending = 0;
  /** The first one-way call that failed since the last answer was delivered. */
  #oneWayFailure: Error | undefined;
  #nextObject = 1;
  #nextCall = 1;
  #closed: Error | undefined;
  /** Settles when the other side has closed its stream. */
  readonly done: Promise<void>;

  constructor(
    readable: ReadableStream<Uint8Array>,
    writable: WritableStream<Uint8Array>,
    root?: object,
    hooks: ChannelHooks = {},
  ) {
    this.#writer = writable.getWriter();
    this.#hooks = hooks;
    if (root) this.#local.set(0, root);
    this.done = this.#readLoop(readable);
  }

  /** A stand-in for the other side's root object (its methods as async functions). */
  root<T>(methods: string[]): T {
    return this.remoteObject(0, {}, methods) as T;
  }

  register(value: object): number {
    const known = this.#ids.get(value);
    if (known !== undefined) return known;
    const id = this.#nextObject++;
    this.#local.set(id, value);
    this.#ids.set(value, id);
    return id;
  }

  remoteObject(id: number, props: Record<string, unknown>, methods: string[], oneWay: string[] = []): object {
    const obj: Record<string, unknown> = { ...props };
    for (const m of methods) {
      obj[m] = oneWay.includes(m)
        ? (...args: unknown[]) => this.#notify(id, m, args)
        : (...args: unknown[]) => this.call(id, m, args);
    }
    return obj;
  }

  /** A one-way call: sent, never answered; a closed channel fails the call in flight instead. */
  #notify(id: number, method: string, args: unknown[]): Promise<undefined> {
    if (!this.#closed) this.#send({ n: id, m: method, a: args }).catch(() => {});
    return Promise.resolve(undefined);
  }

  remoteFunction(id: number): (...args: unknown[]) => unknown {
    return (...args: unknown[]) => {
      const p = this.call(id, null, args);
      // Plugins call sinks (log, metrics) without awaiting: a failure there must not be an unhandled rejection.
      p.catch(() => {});
      return p;
    };
  }

  /** Calls method `method` (or the function itself when null) of the other side's object `id`. */
  call(id: number, method: string | null, args: unknown[]): Promise<unknown> {
    if (this.#closed) return Promise.reject(this.#closed);
    const callId = this.#nextCall++;
    const result = new Promise<unknown>((resolve, reject) => this.#pending.set(callId, { resolve, reject }));
    if (this.#pending.size === 1) this.#hooks.busy?.(1);
    this.#send({ c: callId, o: id, m: method, a: args }).catch((err) => {
      // A broken pipe means the other side is gone: the read loop ends and settles this call with why it
      // went (closedError: e.g. the sandbox killed by SIGTERM), which the pipe error does not say.
      if (!(err instanceof Deno.errors.BrokenPipe)) this.#settle(callId, undefined, err);
    });
    return result;
  }

  async #send(message: unknown): Promise<void> {
    await this.#writer.write(encodeMessage(message, this));
  }

  #settle(callId: number, value: unknown, err?: Error): void {
    const p = this.#pending.get(callId);
    if (!p) return;
    this.#pending.delete(callId);
    if (this.#pending.size === 0) this.#hooks.busy?.(0);
    if (err) p.reject(err);
    else p.resolve(value);
  }

  async #readLoop(readable: ReadableStream<Uint8Array>): Promise<void> {
    // Chunks are joined only once a whole frame is there: a 100 MB SampleSet is copied once, not per chunk.
    let chunks: Uint8Array[] = [];
    let have = 0;
    try {
      for await (const chunk of readable) {
        chunks.push(chunk);
        have += chunk.length;
        while (have >= 4) {
          if (chunks[0].length < 4) chunks = [join(chunks)];
          const total = new DataView(chunks[0].buffer, chunks[0].byteOffset).getUint32(0, true);
          if (have < 4 + total) break;
          const all = chunks.length === 1 ? chunks[0] : join(chunks);
          const body = all.subarray(4, 4 + total);
          chunks = all.length > 4 + total ? [all.subarray(4 + total)] : [];
          have -= 4 + total;
          this.#dispatch(decodeMessage(body, this) as Record<string, unknown>);
        }
      }
    } catch {
      // A broken pipe is handled like a closed one below.
    }
    this.#closed = await (this.#hooks.closedError?.() ?? new Error("the sandbox channel closed"));
    for (const id of [...this.#pending.keys()]) this.#settle(id, undefined, this.#closed);
  }

  #dispatch(msg: Record<string, unknown>): void {
    if (typeof msg.r === "number") {
      const callId = msg.r, value = msg.v;
      const err = msg.e ? new RemoteError(msg.e as WireError) : undefined;
      if (this.#oneWayPending === 0 && !this.#oneWayFailure) return this.#settle(callId, value, err);
      this.#oneWayTail.then(() => {
        const failed = this.#oneWayFailure;
        this.#oneWayFailure = undefined;
        this.#settle(callId, value, failed ?? err);
      });
      return;
    }
    if (typeof msg.n === "number") {
      this.#oneWayPending++;
      this.#oneWayTail = this.#oneWayTail
        .then(() => this.#invoke(msg.n as number, msg.m as string, msg.a as unknown[]))
        .then(() => {}, (err) => {
          this.#oneWayFailure ??= err instanceof Error ? err : new Error(String(err));
        })
        .finally(() => this.#oneWayPending--);
      return;
    }
    const callId = msg.c as number;
    Promise.resolve()
      .then(() => this.#invoke(msg.o as number, msg.m as string | null, msg.a as unknown[]))
      .then(
        (v) => this.#send({ r: callId, v }).catch((err) => this.#send({ r: callId, e: wireError(err) })),
        (err) => this.#send({ r: callId, e: wireError(err) }),
      )
      .catch(() => {}); // the other side is gone; nothing to answer
  }

  #invoke(id: number, method: string | null, args: unknown[]): unknown {
    const target = this.#local.get(id);
    if (target === undefined) throw new Error(`no object ${id} on this side of the sandbox channel`);
    if (method === null) return (target as (...a: unknown[]) => unknown)(...args);
    // Only the methods the reference advertised: a sandbox that forges a frame cannot reach `constructor`
    // or anything else the host object did not hand over.
    const fn = methodNames(target).includes(method) ? (target as Record<string, unknown>)[method] : undefined;
    if (typeof fn !== "function") throw new Error(`object ${id} has no method '${method}'`);
    return fn.apply(target, args);
  }

  /** Closes the writing side (the other end sees end of input). */
  async close(): Promise<void> {
    await this.#writer.close().catch(() => {});
  }
}

/** An error as values: class name, first line of the message, the platform code. */
export function wireError(err: unknown): WireError {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return { name: err.name, message: err.message, code: typeof code === "string" ? code : undefined };
  }
  return { name: "Error", message: String(err) };
}

function join(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.length;
  }
  return out;
}
