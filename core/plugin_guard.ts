/**
 * Every call the runner makes into a plugin instance goes through here, so that a plugin can never hang
 * the run or crash it with a raw stack trace: a promise that does not settle within `plugins.timeout_s`
 * fails the run naming the plugin and the method; an error that is not one of the platform's typed errors
 * becomes a PluginError naming them; a rejection nobody awaits (an "unhandled rejection") or an exception
 * thrown from a plugin's timer fails the run, blamed on the plugin call in flight; and an abort (Ctrl-C,
 * SIGTERM) ends the wait at once, so the run can record KILLED while the plugin is still busy.
 */
import { BatteryMLError, PluginError } from "./errors.ts";

/** Which plugin a guarded instance belongs to. */
export interface GuardedPlugin {
  /** The specifier the config used (PluginError's `specifier`). */
  specifier: string;
  kind: string;
  name: string;
}

/** How one instance is guarded. */
export interface GuardOptions {
  /** Whether an abort ends the wait (false for trackers, which must still record the end of the run). */
  abortable?: boolean;
  /** Methods whose result is itself an instance to guard (a pipeline's `fit` returns a fitted pipeline). */
  guardResultOf?: readonly string[];
  /** Rewrites the arguments of a call (the runner adds the abort signal to a model's fit context). */
  args?: (method: string, args: unknown[]) => unknown[];
}

/** How long an interrupted plugin call may take to stop by itself before the run stops waiting. */
export const ABORT_GRACE_MS = 5000;

interface InFlight {
  plugin: GuardedPlugin;
  method: string;
}

/** The guard of one run: timeout, abort signal and the calls in flight (for blaming stray rejections). */
export class PluginCalls {
  readonly #timeoutMs: number;
  readonly #abort = new AbortController();
  readonly #inFlight: InFlight[] = [];
  readonly #graceMs: number;
  #listening = false;
  /** Whether the abort came from outside (an interruption) rather than from a plugin's stray rejection. */
  #interrupted = false;

  /**
   * `timeoutS`: seconds a call may take; `signal`: the run's interruption (Ctrl-C, SIGTERM); `graceMs`:
   * how long an interrupted call may still take to stop by itself (a trainer saving its checkpoint).
   */
  constructor(timeoutS: number, signal?: AbortSignal, graceMs = ABORT_GRACE_MS) {
    this.#timeoutMs = timeoutS * 1000;
    this.#graceMs = graceMs;
    const interrupt = () => {
      this.#interrupted = true;
      if (!this.#abort.signal.aborted) this.#abort.abort(signal!.reason);
    };
    if (signal?.aborted) interrupt();
    else signal?.addEventListener("abort", interrupt, { once: true });
  }

  /** Aborted on interruption or when a plugin left a rejection unhandled; `reason` says which. */
  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  /** Starts catching unhandled rejections and uncaught timer exceptions; `stop()` ends it. */
  listen(): void {
    if (this.#listening) return;
    this.#listening = true;
    globalThis.addEventListener("unhandledrejection", this.#onRejection);
    globalThis.addEventListener("error", this.#onError);
  }

  /** Stops catching stray errors (the run is over). */
  stop(): void {
    if (!this.#listening) return;
    this.#listening = false;
    globalThis.removeEventListener("unhandledrejection", this.#onRejection);
    globalThis.removeEventListener("error", this.#onError);
  }

  /** A proxy of `instance` whose every method call is guarded. */
  guard<T extends object>(instance: T, plugin: GuardedPlugin, options: GuardOptions = {}): T {
    return new Proxy(instance, {
      get: (target, prop) => {
        // Read on the target itself: getters of class instances may touch private fields (#x).
        const value = Reflect.get(target, prop, target);
        if (typeof value !== "function" || typeof prop !== "string") return value;
        return (...raw: unknown[]) => {
          const args = options.args ? options.args(prop, raw) : raw;
          const result = this.call(plugin, prop, () => value.apply(target, args), options.abortable ?? true);
          if (!options.guardResultOf?.includes(prop)) return result;
          return Promise.resolve(result).then((inner) =>
            typeof inner === "object" && inner !== null ? this.guard(inner, plugin, options) : inner
          );
        };
      },
    });
  }

  /** Calls `fn` as `plugin.method()`: synchronous results pass through, promises are raced. */
  call<R>(plugin: GuardedPlugin, method: string, fn: () => R, abortable = true): R {
    if (abortable && this.#abort.signal.aborted) throw this.#abort.signal.reason;
    const entry: InFlight = { plugin, method };
    this.#inFlight.push(entry);
    let result: R;
    try {
      result = fn();
    } catch (err) {
      this.#done(entry);
      throw asPluginError(err, plugin, method);
    }
    if (!isThenable(result)) {
      this.#done(entry);
      return result;
    }
    return this.#settle(result as PromiseLike<unknown>, entry, abortable) as R;
  }

  async #settle(result: PromiseLike<unknown>, entry: InFlight, abortable: boolean): Promise<unknown> {
    const { plugin, method } = entry;
    let timer: ReturnType<typeof setTimeout> | undefined, grace: ReturnType<typeof setTimeout> | undefined;
    let onAbort: (() => void) | undefined;
    const limits = new Promise<never>((_, reject) => {
      timer = setTimeout(() =>
        reject(
          new PluginError(
            plugin.specifier,
            `${plugin.kind} '${plugin.name}' ${method}() did not settle within ${this.#timeoutMs / 1000} s ` +
              "(config key 'plugins.timeout_s'); it hangs or needs a longer timeout",
          ),
        ), this.#timeoutMs);
      if (!abortable) return;
      // An interrupted call gets a grace period to stop by itself (models check ctx.signal); a call
      // in flight while another plugin's stray rejection aborts the run is stopped waiting at once.
      onAbort = () => {
        const stop = () => reject(this.#abort.signal.reason);
        if (this.#interrupted) grace = setTimeout(stop, this.#graceMs);
        else stop();
      };
      if (this.#abort.signal.aborted) onAbort();
      else this.#abort.signal.addEventListener("abort", onAbort, { once: true });
    });
    try {
      const value = await Promise.race([result, limits]);
      // Finished within the grace period of an interruption: the run stops all the same.
      if (abortable && this.#abort.signal.aborted) throw this.#abort.signal.reason;
      return value;
    } catch (err) {
      // Once the run is aborted, whatever the call threw (e.g. "training interrupted") is the abort.
      if (abortable && this.#abort.signal.aborted) throw this.#abort.signal.reason;
      throw asPluginError(err, plugin, method);
    } finally {
      clearTimeout(timer);
      clearTimeout(grace);
      if (onAbort) this.#abort.signal.removeEventListener("abort", onAbort);
      this.#done(entry);
    }
  }

  #done(entry: InFlight): void {
    const i = this.#inFlight.lastIndexOf(entry);
    if (i >= 0) this.#inFlight.splice(i, 1);
  }

  #blame(what: string, reason: unknown): void {
    const last = this.#inFlight.at(-1);
    const message = describe(reason);
    const err = last
      ? new PluginError(
        last.plugin.specifier,
        `${last.plugin.kind} '${last.plugin.name}' left ${what} during ${last.method}(): ${message}`,
        { cause: reason },
      )
      : new PluginError("(unknown)", `${what} outside any plugin call: ${message}`, { cause: reason });
    if (!this.#abort.signal.aborted) this.#abort.abort(err);
  }

  #onRejection = (e: PromiseRejectionEvent) => {
    e.preventDefault();
    this.#blame("an unhandled rejection", e.reason);
  };

  #onError = (e: ErrorEvent) => {
    e.preventDefault();
    this.#blame("an uncaught exception", e.error ?? e.message);
  };
}

/** The platform's typed errors pass through; anything else becomes a PluginError naming plugin and method. */
function asPluginError(err: unknown, plugin: GuardedPlugin, method: string): unknown {
  if (err instanceof BatteryMLError || isCoded(err)) return err;
  return new PluginError(
    plugin.specifier,
    `${plugin.kind} '${plugin.name}' ${method}() failed: ${describe(err)}`,
    { cause: err },
  );
}

/** Codes of the platform's typed errors (core/errors.ts, core/sample.ts). */
const PLATFORM_CODES = new Set(["DATA", "CONFIG", "PLUGIN", "LEAKAGE", "MODEL", "SAMPLES"]);

/** A typed error from another copy of the core (a plugin's own import of it), checked by shape. */
function isCoded(err: unknown): boolean {
  return err instanceof Error && PLATFORM_CODES.has(String((err as { code?: unknown }).code));
}

function describe(reason: unknown): string {
  if (reason instanceof Error) return reason.message.split("\n")[0] || reason.name;
  return String(reason);
}

function isThenable(v: unknown): boolean {
  return (typeof v === "object" || typeof v === "function") && v !== null &&
    typeof (v as { then?: unknown }).then === "function";
}
