/**
 * What every `batteryml` command shares: the `--quiet`/`--debug`/`--print-permissions` flags, `--json`, the
 * config-folder and override arguments, and `guarded`, which turns any error into one `error:` line and exit
 * code 1.
 */
import { type CommandGrants, denoFlags } from "../mod.ts";

/** Flags every command takes. */
export interface CommonFlags {
  quiet?: boolean;
  debug?: boolean;
  printPermissions?: boolean;
}

/** The context handed to command functions. */
export interface Ctx {
  readonly process: {
    stdout: { write(s: string): void };
    stderr: { write(s: string): void };
    exitCode?: number | string | null;
  };
}

/** `--quiet` and `--debug`. */
export const commonFlags = {
  quiet: { kind: "boolean", brief: "Print only results and warnings", optional: true },
  debug: { kind: "boolean", brief: "Print stack traces and debug lines", optional: true },
  printPermissions: {
    kind: "boolean",
    brief: "Print the Deno permission flags this command needs, and do nothing else",
    optional: true,
  },
} as const;

/** `--json`: the command's report as JSON on stdout (camelCase keys, like `run --json`). */
export const jsonFlag = {
  kind: "boolean",
  brief: "Print the report as JSON on stdout",
  optional: true,
} as const;

/** Writes `value` as indented JSON and a newline. */
export function writeJson(ctx: Ctx, value: unknown): void {
  ctx.process.stdout.write(JSON.stringify(value, null, 2) + "\n");
}

/**
 * Runs `body`, turning any error into one line on stderr and exit code 1. With `--print-permissions` it
 * prints the command's Deno flags instead: the process's own (read of the project and node_modules, ffi of
 * the native addons) and `grants`, what this invocation reads, writes, reaches and starts beyond them
 * (absent: nothing beyond them).
 */
export async function guarded(
  ctx: Ctx,
  flags: CommonFlags,
  body: () => Promise<void>,
  grants?: () => CommandGrants | Promise<CommandGrants>,
): Promise<void> {
  try {
    if (flags.printPermissions) {
      ctx.process.stdout.write((await denoFlags(await grants?.())).join(" ") + "\n");
      return;
    }
    await body();
  } catch (err) {
    const e = err as Error;
    ctx.process.stderr.write(`error: ${e.message ?? String(err)}\n`);
    if (flags.debug && e.stack) ctx.process.stderr.write(`${e.stack}\n`);
    ctx.process.exitCode = 1;
  }
}

/** `--config-dir`: the folder of YAML config groups (default `configs/`). */
export const configDirFlag = {
  kind: "parsed",
  parse: String,
  brief: "Folder of YAML config groups",
  optional: true,
  placeholder: "dir",
} as const;

/** The positional config overrides of `run` and `config show`. */
export const overridesArg = {
  kind: "array",
  parameter: {
    brief: "Overrides: group=name, a.b=value, +a.b=value, ~a.b",
    parse: String,
    placeholder: "override",
  },
} as const;

/** `--output-dir`: the folder a run wrote under (its config's output.dir). */
export const outputDirFlag = {
  kind: "parsed",
  parse: String,
  brief: "The runs' output folder (config output.dir)",
  default: "artifacts",
} as const;
