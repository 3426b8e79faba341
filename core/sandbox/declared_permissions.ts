/**
 * What a sandboxed plugin may use: the `permissions` its definition declares, checked here, shown to the
 * user at `plugins add`, recorded in the plugin lock, and turned into the sandbox's `deno run` flags.
 * Only read, write, net and env exist: ffi, run and sys would let a plugin leave the sandbox (native code,
 * other processes), so no plugin can ask for them.
 */
import { resolve } from "node:path";

/** The declared permissions: paths to read or write, `host[:port]`s to reach, environment variables. */
export interface DeclaredPermissions {
  read: string[];
  write: string[];
  net: string[];
  env: string[];
}

const NAMES = ["read", "write", "net", "env"] as const;

/** Nothing granted. */
export const NO_PERMISSIONS: DeclaredPermissions = { read: [], write: [], net: [], env: [] };

/**
 * Checks a definition's `permissions` (absent means none); returns the normalised value or the problems.
 * Every entry is an explicit list: there is no "all" for a plugin.
 */
export function parseDeclaredPermissions(value: unknown): DeclaredPermissions | { problems: string[] } {
  if (value === undefined || value === null) return { ...NO_PERMISSIONS };
  if (typeof value !== "object" || Array.isArray(value)) {
    return { problems: ["'permissions' must be an object { read, write, net, env } of string lists"] };
  }
  const problems: string[] = [];
  const out: DeclaredPermissions = { read: [], write: [], net: [], env: [] };
  for (const [key, list] of Object.entries(value)) {
    if (!(NAMES as readonly string[]).includes(key)) {
      problems.push(
        `'permissions.${key}' cannot be granted to a plugin (only ${NAMES.join(", ")}; ` +
          "ffi, run and sys would let it leave the sandbox)",
      );
      continue;
    }
    if (
      !Array.isArray(list) || !list.every((s) => typeof s === "string" && s.trim() !== "" && !s.includes(","))
    ) {
      problems.push(`'permissions.${key}' must be a list of non-empty strings without commas`);
      continue;
    }
    out[key as typeof NAMES[number]] = [...new Set(list as string[])].sort();
  }
  return problems.length ? { problems } : out;
}

/** One line per granted permission, for `plugins add` and `plugins list` ("none" when nothing). */
export function describePermissions(p: DeclaredPermissions): string {
  const parts = NAMES.filter((n) => p[n].length).map((n) => `${n}: ${p[n].join(", ")}`);
  return parts.length ? parts.join("; ") : "none";
}

/** What changed between two grants (`plugins update`): lines starting with + (new) or - (dropped). */
export function permissionsDiff(before: DeclaredPermissions, after: DeclaredPermissions): string[] {
  const lines: string[] = [];
  for (const n of NAMES) {
    for (const v of after[n]) if (!before[n].includes(v)) lines.push(`+ ${n}: ${v}`);
    for (const v of before[n]) if (!after[n].includes(v)) lines.push(`- ${n}: ${v}`);
  }
  return lines;
}

/**
 * The sandbox's permission flags: its own module files readable (Deno needs read access to import
 * them: a URL plugin's store files, a path plugin's folder; an npm: package needs none), plus exactly what
 * was declared; paths resolve against the project folder. Never `-A`, ffi, run
 * or sys, and `--no-prompt` so an access nobody granted fails instead of asking.
 */
export function sandboxFlags(p: DeclaredPermissions, moduleFiles: string[], baseDir: string): string[] {
  const read = [...moduleFiles, ...p.read.map((r) => resolve(baseDir, r))];
  const flags = ["--no-prompt"];
  // An empty `--allow-read=` would grant every path: with nothing to read, the flag is left out.
  if (read.length) flags.push(`--allow-read=${read.join(",")}`);
  if (p.write.length) flags.push(`--allow-write=${p.write.map((w) => resolve(baseDir, w)).join(",")}`);
  if (p.net.length) flags.push(`--allow-net=${p.net.join(",")}`);
  if (p.env.length) flags.push(`--allow-env=${p.env.join(",")}`);
  return flags;
}
