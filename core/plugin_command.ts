/**
 * Commands a plugin contributes to the CLI: a dataset plugin's `commands` are mounted under
 * `batteryml data <name>` (the m50t plugin's `synth`, `check` and `fetch`). Described as data — flags with a
 * kind, positional arguments, a run function — so the CLI mounts them generically and never imports a
 * plugin's internals.
 */
import type { Logger } from "../lib/dataset_shapes.ts";
import type { ProgressSink } from "../lib/progress.ts";

/** One flag: text, a number (parsed with `Number`; the command checks it) or a switch. */
export interface PluginCommandFlag {
  kind: "string" | "number" | "boolean";
  brief: string;
  placeholder?: string;
  /** The default as typed on the command line; a text or number flag without one is required unless optional. */
  default?: string;
  optional?: boolean;
  /**
   * What the flag's value names, for `--print-permissions`: a path the command reads or writes (a folder,
   * or a file: its folder is granted, as files are written beside it and renamed), or a URL it reaches.
   */
  access?: "read" | "write" | "net";
}

/** One positional argument (each is text and required). */
export interface PluginCommandArgument {
  brief: string;
  placeholder: string;
  /** A path the command reads or writes (`--print-permissions`). */
  access?: "read" | "write";
}

/** What a command's `run` gets from the CLI. */
export interface PluginCommandIo {
  /** Writes text to stdout (results; add the newline). */
  write(text: string): void;
  /** Progress and warnings on stderr (quiet with `--quiet`, debug lines with `--debug`). */
  log: Logger;
  /** Progress bars on stderr (off when not a TTY or with `--quiet`). */
  progress: ProgressSink;
  /** Whether the shared `--json` flag was given (commands that declare `json: true`). */
  json: boolean;
}

/** A command: `--quiet`/`--debug` (and `--json` with `json: true`) are added by the CLI. */
export interface PluginCommand {
  brief: string;
  flags: Record<string, PluginCommandFlag>;
  positional?: PluginCommandArgument[];
  json?: boolean;
  /** Hosts (`host[:port]`) the command reaches when no `access: "net"` flag names another URL. */
  net?: string[];
  /**
   * Runs the command; resolves to the exit code (0 when nothing is returned). A thrown error becomes one
   * `error:` line on stderr and exit code 1, as for every command.
   */
  run(
    args: { flags: Record<string, string | number | boolean | undefined>; positional: string[] },
    io: PluginCommandIo,
  ): Promise<number | void>;
}

/** Shape problems of a definition's optional `commands` (none when absent). */
export function commandsProblems(commands: unknown): string[] {
  if (commands === undefined) return [];
  if (typeof commands !== "object" || commands === null || Array.isArray(commands)) {
    return ["'commands' is not an object of named commands"];
  }
  const problems: string[] = [];
  for (const [name, c] of Object.entries(commands)) {
    const cmd = c as Partial<PluginCommand> | null;
    if (!/^[a-z][a-z0-9-]*$/.test(name)) problems.push(`command '${name}': expected a lower-case name`);
    if (typeof cmd?.brief !== "string") problems.push(`command '${name}': 'brief' is not a string`);
    if (typeof cmd?.run !== "function") problems.push(`command '${name}': 'run' is not a function`);
    const flags = cmd?.flags;
    if (typeof flags !== "object" || flags === null) {
      problems.push(`command '${name}': 'flags' is not an object`);
      continue;
    }
    for (const [flag, f] of Object.entries(flags)) {
      if (!["string", "number", "boolean"].includes((f as PluginCommandFlag | null)?.kind as string)) {
        problems.push(`command '${name}' flag '${flag}': 'kind' is not string, number or boolean`);
      }
      const access = (f as PluginCommandFlag | null)?.access;
      if (access !== undefined && !["read", "write", "net"].includes(access)) {
        problems.push(`command '${name}' flag '${flag}': 'access' is not read, write or net`);
      }
    }
  }
  return problems;
}
