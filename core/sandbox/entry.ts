/**
 * The sandbox's main module: started by the host (core/sandbox/sandbox_process.ts) as
 * `deno run <flags> entry.ts`, it imports one plugin module and answers the host's calls on stdin/stdout.
 * It runs with only the plugin's declared permissions, so everything the plugin does here — its top-level
 * code included — is bounded by them. stdout carries the protocol: console output goes to stderr.
 */
import { Channel } from "../../lib/rpc/mod.ts";
// The plugin API (plugin.ts) is imported here, statically, so it is loaded before the plugin: a path
// plugin importing it needs no read grant for the project's files (Deno checks read access only for
// modules it has not loaded yet).
import { definitionProblems, type PluginDefinition } from "../../plugin.ts";

// A plugin's console.log must not corrupt the message stream.
console.log = console.error;
console.info = console.error;
console.debug = console.error;

let definition: PluginDefinition | undefined;

function loaded(): PluginDefinition {
  if (!definition) throw new Error("no plugin module loaded in this sandbox");
  return definition;
}

/** What the host can ask the sandbox. */
const root = {
  /** Imports the plugin (its top-level code runs now) and describes its definition. */
  async load(moduleUrl: string) {
    const module = await import(moduleUrl);
    const def = (module as { default?: unknown }).default;
    if (def === undefined) {
      return { problems: ["module has no default export; export default a plugin definition object"] };
    }
    const problems = definitionProblems(def);
    if (problems.length === 0) definition = def as PluginDefinition;
    const d = def as Record<string, unknown>;
    return {
      problems,
      kind: d.kind,
      name: d.name,
      version: d.version,
      apiVersion: d.apiVersion,
      description: typeof d.description === "string" ? d.description : undefined,
      permissions: d.permissions ?? null,
      hasCommands: d.commands !== undefined,
    };
  },
  /** The options schema's verdict, as values. */
  async validate(raw: unknown) {
    const result = await loaded().options["~standard"].validate(raw);
    if (!result.issues) return { value: result.value };
    const issues = result.issues.map((i) => ({
      message: i.message,
      path: i.path?.map((p) => typeof p === "object" ? String(p.key) : String(p)),
      keys: (i as { keys?: unknown }).keys,
    }));
    return { issues };
  },
  /** A new instance; it crosses to the host as a reference (its methods are called from there). */
  async create(options: unknown, ctx: unknown) {
    return await loaded().create(options, ctx as never);
  },
};

const channel = new Channel(Deno.stdin.readable, Deno.stdout.writable, root);
await channel.done;
// The host closed the pipe: nothing more will be asked.
Deno.exit(0);
