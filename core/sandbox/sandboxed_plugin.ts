/**
 * A plugin running in a sandbox, seen from the host: a definition whose options schema and `create` call
 * into the sandbox, and instances whose methods do. The runner uses it like any other definition.
 *
 * What crosses: SampleSets, tables, curves, predictions and states by value (typed arrays as bytes); the
 * View, logger and metric/histogram sinks by reference (the plugin calls back; the logger and the sinks
 * one-way, so a fit reporting every tenth round waits on no round trip). What does not: the abort
 * signal and the progress sink (a sandboxed plugin reports no progress and is stopped by the host
 * instead), and a loss instance — a loss computes on tfjs tensors inside the training step, which cannot
 * cross processes, so a sandboxed model gets only `lossSpec` and URL loss plugins are refused.
 */
import { fileURLToPath as fromFileUrl } from "node:url";
import { writeFileAtomic } from "../../lib/io/mod.ts";
import { PluginError, PluginPermissionError } from "../errors.ts";
import type { Logger, PluginDefinition, PluginKind, StandardIssue } from "../plugin.ts";
import { oneWay, RemoteError } from "../../lib/rpc/mod.ts";
import { type DeclaredPermissions, describePermissions } from "./declared_permissions.ts";
import { SandboxProcess } from "./sandbox_process.ts";

/** What the sandbox says about the module it loaded. */
export interface SandboxDescription {
  problems: string[];
  kind?: PluginKind;
  name?: string;
  version?: string;
  apiVersion?: number;
  description?: string;
  permissions?: unknown;
  hasCommands?: boolean;
}

/** Settings of one sandbox. */
export interface SandboxOptions {
  /** Folder declared relative paths resolve against (the project). */
  baseDir: string;
  /** Seconds any one call may take before the sandbox is stopped (`plugins.timeout_s`). */
  timeoutS: number;
  heapMb?: number;
}

/** A started sandbox with its plugin module loaded. */
export interface OpenSandbox {
  description: SandboxDescription;
  process: SandboxProcess;
  /** Calls into the sandbox with the timeout and the error mapping of this plugin. */
  call<T>(what: string, fn: () => Promise<unknown>): Promise<T>;
}

/** The plugin's module as the sandbox imports it. */
export interface SandboxModules {
  /** What the sandbox imports: a store file's or a path plugin's file URL, or an `npm:` specifier. */
  rootUrl: string;
  /** Files and folders the sandbox must read to import the module graph (absolute paths). */
  readable: string[];
  /** Import map of a stored URL graph (relative imports and URLs → store files); written beside the root. */
  importMap?: { imports: Record<string, string>; scopes: Record<string, Record<string, string>> };
}

/** Starts a sandbox with `permissions` and imports the plugin's module graph in it (its top-level code runs). */
export async function openSandbox(
  specifier: string,
  graph: SandboxModules,
  permissions: DeclaredPermissions,
  options: SandboxOptions,
): Promise<OpenSandbox> {
  let importMapFile: string | undefined;
  if (graph.importMap) {
    importMapFile = `${fromFileUrl(graph.rootUrl)}.imports.json`;
    const text = JSON.stringify(graph.importMap, null, 2);
    // Written by `plugins add` already: a run only reads it, so it needs no write grant on the store.
    if (await Deno.readTextFile(importMapFile).catch(() => undefined) !== text) {
      await writeFileAtomic(importMapFile, text);
    }
  }
  const process = SandboxProcess.start({
    specifier,
    moduleFiles: graph.readable,
    importMapFile,
    permissions,
    baseDir: options.baseDir,
    heapMb: options.heapMb,
  });
  const root = process.channel.root<Record<string, (...a: unknown[]) => Promise<unknown>>>([
    "load",
    "validate",
    "create",
  ]);
  let pluginName = specifier;
  // "model 'name'" once the module has said what it is, as the in-process guard names a plugin.
  let kindAndName = `'${specifier}'`;
  const call = async <T>(what: string, fn: () => Promise<unknown>): Promise<T> => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const limit = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const message = `${what} did not settle within ${options.timeoutS} s (plugins.timeout_s); ` +
          "its sandbox was stopped";
        process.stop(message);
        reject(new PluginError(specifier, `${kindAndName} ${message}`));
      }, options.timeoutS * 1000);
    });
    try {
      return await Promise.race([fn(), limit]) as T;
    } catch (err) {
      throw hostError(err, specifier, pluginName, permissions);
    } finally {
      clearTimeout(timer);
    }
  };
  const description = await call<SandboxDescription>(
    "loading the module",
    () => root.load(graph.rootUrl),
  );
  if (typeof description.name === "string") {
    pluginName = description.name;
    kindAndName = `${description.kind} '${pluginName}'`;
  }
  return { description, process, call };
}

/** The host-side definition of a sandboxed plugin whose module loaded without problems. */
export function sandboxedDefinition(
  sandbox: OpenSandbox,
  permissions: DeclaredPermissions,
): PluginDefinition & { permissions: DeclaredPermissions } {
  const d = sandbox.description;
  const root = sandbox.process.channel.root<Record<string, (...a: unknown[]) => Promise<unknown>>>([
    "validate",
    "create",
  ]);
  // A run validates the same options several times (config check, then each instance): the sandbox's
  // verdict on a JSON value is asked once.
  const verdicts = new Map<string, { value?: unknown; issues?: StandardIssue[] }>();
  return {
    kind: d.kind!,
    name: d.name!,
    version: d.version!,
    apiVersion: d.apiVersion!,
    description: d.description,
    permissions,
    options: {
      "~standard": {
        version: 1,
        vendor: "batteryml-sandbox",
        validate: async (raw: unknown) => {
          const key = jsonKey(raw);
          const known = key === undefined ? undefined : verdicts.get(key);
          const r = known ?? await sandbox.call<{ value?: unknown; issues?: StandardIssue[] }>(
            "validating options",
            () => root.validate(raw),
          );
          if (key !== undefined) verdicts.set(key, r);
          // A copy each time: the caller may fill in or change what it is given.
          return r.issues ? { issues: structuredClone(r.issues) } : { value: structuredClone(r.value) };
        },
      },
    },
    create: async (options, ctx) => {
      const plain = {
        seed: ctx.seed,
        rng: ctx.rng,
        log: isLogger(ctx.log) ? oneWayLogger(ctx.log) : ctx.log,
        cacheDir: ctx.cacheDir,
        outputDir: ctx.outputDir,
      };
      const instance = await sandbox.call<object>("create()", () => root.create(options, plain));
      return wrapRemote(instance, sandbox);
    },
  };
}

/** Every method of a remote object goes through `call`; remote objects it returns are wrapped too. */
function wrapRemote(remote: object, sandbox: OpenSandbox): object {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(remote)) {
    if (typeof value !== "function") {
      out[key] = value;
      continue;
    }
    out[key] = async (...args: unknown[]) => {
      const result = await sandbox.call<unknown>(`${key}()`, () => value(...args.map(crossable)));
      return isRemoteObject(result) ? wrapRemote(result as object, sandbox) : result;
    };
  }
  return out;
}

/**
 * A call argument as it may cross: a fit context loses its abort signal, progress sink and loss instance,
 * and its logger and metric/histogram sinks become one-way.
 */
function crossable(arg: unknown): unknown {
  if (typeof arg !== "object" || arg === null || Array.isArray(arg) || ArrayBuffer.isView(arg)) return arg;
  const o = arg as Record<string, unknown>;
  const sinks = (["metrics", "histograms"] as const).filter((k) => typeof o[k] === "function");
  if (!("signal" in o || "progress" in o || "loss" in o) && sinks.length === 0) return arg;
  const { signal: _signal, progress: _progress, loss: _loss, ...rest } = o;
  if (isLogger(rest.log)) rest.log = oneWayLogger(rest.log);
  return oneWay(rest, sinks);
}

function isLogger(v: unknown): v is Logger {
  return typeof v === "object" && v !== null && typeof (v as Logger).info === "function";
}

/** The logger as the sandbox gets it: the same lines, sent without waiting for an answer. */
function oneWayLogger(log: Logger): Logger {
  return oneWay({
    info: (m: string) => log.info(m),
    warn: (m: string) => log.warn(m),
    debug: (m: string) => log.debug(m),
  }, ["info", "warn", "debug"]);
}

/** `raw` as a cache key when it is plain JSON data (what a config holds); otherwise undefined. */
function jsonKey(raw: unknown): string | undefined {
  const plain = (v: unknown): boolean =>
    v === null || typeof v === "string" || typeof v === "boolean" ||
    (typeof v === "number" && Number.isFinite(v) && !Object.is(v, -0)) ||
    (Array.isArray(v) && v.every(plain)) ||
    (typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype &&
      Object.values(v as object).every(plain));
  return plain(raw) ? JSON.stringify(raw) : undefined;
}

function isRemoteObject(v: unknown): boolean {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v) &&
    Object.values(v).some((x) => typeof x === "function");
}

const DENIED = /Requires (\w+) access to ([^,]+)/;

/** A sandbox failure as the platform's error: denials name plugin and permission; the rest keep their code. */
function hostError(err: unknown, specifier: string, plugin: string, granted: DeclaredPermissions): unknown {
  if (err instanceof PluginError) return err;
  const message = err instanceof Error ? err.message : String(err);
  const denied = DENIED.exec(message);
  if (
    denied || (err instanceof RemoteError && (err.name === "NotCapable" || err.name === "PermissionDenied"))
  ) {
    const permission = denied?.[1] ?? "a";
    const target = denied?.[2] ?? message.split("\n")[0];
    return new PluginPermissionError(
      specifier,
      plugin,
      permission,
      `${target}; granted: ${describePermissions(granted)}`,
      { cause: err },
    );
  }
  if (err instanceof RemoteError && err.name === "SandboxOutOfMemory") {
    return new PluginError(specifier, `'${plugin}' ${message}`, { cause: err });
  }
  if (err instanceof RemoteError && err.code) return err;
  if (!(err instanceof RemoteError)) {
    // The process itself is gone (crashed or stopped): say so, naming the plugin.
    return new PluginError(specifier, `'${plugin}': ${message.split("\n")[0]}`, { cause: err });
  }
  return err;
}
