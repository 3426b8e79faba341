/**
 * The host side of one sandbox: a `deno run` child process started with the plugin's declared permissions
 * and a V8 heap cap, its stdin/stdout carrying the channel. The child keeps the host alive only while a
 * call is in flight, and is killed when the host exits (a plugin looping forever never reads its stdin).
 */
import { fileURLToPath as fromFileUrl } from "node:url";
import { PluginError } from "../errors.ts";
import { Channel, RemoteError } from "../../lib/rpc/mod.ts";
import { type DeclaredPermissions, sandboxFlags } from "./declared_permissions.ts";

/** Default heap cap of a sandbox (MB); BATTERYML_SANDBOX_HEAP_MB overrides it. */
export const DEFAULT_SANDBOX_HEAP_MB = 2048;

/** What a sandbox is started with. */
export interface SandboxSpec {
  /** The plugin's specifier, for messages. */
  specifier: string;
  /** Files and folders of the plugin's module graph (readable by the sandbox so Deno can import them). */
  moduleFiles: string[];
  /** Import map pointing the graph's URLs and relative imports at those files (absent: one module). */
  importMapFile?: string;
  permissions: DeclaredPermissions;
  /** Folder declared relative paths resolve against (the project). */
  baseDir: string;
  heapMb?: number;
}

const live = new Set<Deno.ChildProcess>();
let exitHookInstalled = false;

/** A started sandbox: its channel and a way to stop it. */
export class SandboxProcess {
  readonly channel: Channel;
  readonly heapMb: number;
  readonly #child: Deno.ChildProcess;
  #stderrTail = "";
  #stopReason: string | undefined;

  private constructor(child: Deno.ChildProcess, heapMb: number) {
    this.#child = child;
    this.heapMb = heapMb;
    this.#collectStderr();
    this.channel = new Channel(child.stdout, child.stdin, undefined, {
      busy: (n) => n > 0 ? child.ref() : child.unref(),
      closedError: () => this.#closedError(),
    });
  }

  /** Starts `deno run` on the sandbox entry with exactly the spec's permissions. */
  static start(spec: SandboxSpec): SandboxProcess {
    const heapMb = spec.heapMb ??
      (Number(Deno.env.get("BATTERYML_SANDBOX_HEAP_MB")) || DEFAULT_SANDBOX_HEAP_MB);
    const args = [
      "run",
      ...sandboxFlags(spec.permissions, spec.moduleFiles, spec.baseDir),
      // Only stored files run: no module is fetched from anywhere in the sandbox.
      "--no-remote",
      `--v8-flags=--max-old-space-size=${heapMb}`,
      // The project's own config and frozen lock resolve npm: imports, from whatever folder the CLI runs in.
      `--config=${fromFileUrl(new URL("../../deno.json", import.meta.url))}`,
      ...(spec.importMapFile ? [`--import-map=${spec.importMapFile}`] : []),
      fromFileUrl(new URL("./entry.ts", import.meta.url)),
    ];
    let child: Deno.ChildProcess;
    try {
      child = new Deno.Command(sandboxDeno(), {
        args,
        cwd: spec.baseDir,
        // Only what Deno itself needs to find its cache: the plugin sees the variables it declared, no more.
        clearEnv: true,
        env: passedEnv(spec.permissions.env),
        stdin: "piped",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
    } catch (err) {
      throw new PluginError(spec.specifier, `cannot start its sandbox: ${whyNoSandbox(err)}`, { cause: err });
    }
    child.unref();
    live.add(child);
    child.status.finally(() => live.delete(child));
    installExitHook();
    return new SandboxProcess(child, heapMb);
  }

  /** Kills the child; pending calls fail with `reason`. */
  stop(reason: string): void {
    this.#stopReason ??= reason;
    try {
      this.#child.kill("SIGKILL");
    } catch {
      // already gone
    }
  }

  async #closedError(): Promise<Error> {
    const status = await this.#child.status;
    if (this.#stopReason) return new Error(this.#stopReason);
    const tail = this.#stderrTail.trim().split("\n").filter((l) => l.trim()).slice(-3).join(" | ");
    if (/heap limit|out of memory/i.test(this.#stderrTail)) {
      return new RemoteError({
        name: "SandboxOutOfMemory",
        message:
          `ran out of its sandbox heap cap of ${this.heapMb} MB (BATTERYML_SANDBOX_HEAP_MB) and was stopped`,
      });
    }
    const how = status.signal ? `was killed by ${status.signal}` : `exited with code ${status.code}`;
    const message = `the sandbox process ${how}${tail ? `: ${tail}` : ""}`;
    return status.signal ? new SandboxKilled(status.signal, message) : new Error(message);
  }

  async #collectStderr(): Promise<void> {
    const decoder = new TextDecoder();
    try {
      for await (const chunk of this.#child.stderr) {
        const text = decoder.decode(chunk, { stream: true });
        if (Deno.env.get("BATTERYML_SANDBOX_STDERR") === "1") Deno.stderr.writeSync(chunk);
        this.#stderrTail = (this.#stderrTail + text).slice(-4000);
      }
    } catch {
      // the child is gone
    }
  }
}

/**
 * A plugin's sandbox process ended by a signal it did not get from us (we stop it with SIGKILL and a reason
 * of our own). SIGTERM or SIGINT there usually means the whole job is being stopped (Ctrl-C, `scancel`,
 * `kill`): the run's own handler gets the same signal a moment later (core/run.ts waits for it).
 */
export class SandboxKilled extends Error {
  constructor(readonly signal: Deno.Signal, message: string) {
    super(message);
    this.name = "SandboxKilled";
  }
}

function whyNoSandbox(err: unknown): string {
  if (err instanceof Deno.errors.NotFound) {
    return `'${sandboxDeno()}' is not on PATH (set BATTERYML_DENO to a deno binary)`;
  }
  if (err instanceof Deno.errors.NotCapable || err instanceof Deno.errors.PermissionDenied) {
    const denied = (err as Error).message.split(",")[0];
    return `${denied}; plugins that are not built in need the CLI to run with --allow-run=deno ` +
      "(the batteryml task has it; see run --print-permissions)";
  }
  return (err as Error).message ?? String(err);
}

/** The deno that runs sandboxes: BATTERYML_DENO, else `deno` on PATH (what `--allow-run=deno` grants). */
function sandboxDeno(): string {
  return Deno.env.get("BATTERYML_DENO") ?? "deno";
}

function passedEnv(declared: string[]): Record<string, string> {
  const env: Record<string, string> = { NO_COLOR: "1" };
  for (const name of ["PATH", "HOME", "DENO_DIR", "XDG_CACHE_HOME", ...declared]) {
    const value = Deno.env.get(name);
    if (value !== undefined) env[name] = value;
  }
  return env;
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  globalThis.addEventListener("unload", () => {
    for (const child of live) {
      try {
        child.kill("SIGKILL");
      } catch {
        // already gone
      }
    }
  });
}
