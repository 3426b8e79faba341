/**
 * `batteryml data …`: the commands built-in dataset plugins contribute (the m50t plugin's `synth`, `check`,
 * `fetch`), mounted generically from each definition's `commands` so the CLI imports no plugin internals.
 */
import { buildCommand, buildRouteMap } from "@stricli/core";
import {
  builtinNames,
  type CommandGrants,
  createLogger,
  loadPlugin,
  type PluginCommand,
  type PluginCommandFlag,
  terminalProgress,
} from "../mod.ts";
import { type CommonFlags, commonFlags, type Ctx, guarded, jsonFlag } from "./common.ts";

type FlagValues = CommonFlags & { json?: boolean } & Record<string, string | number | boolean | undefined>;

/** A plugin flag as a stricli flag: text and numbers parsed with String / Number, switches optional. */
function stricliFlag(f: PluginCommandFlag) {
  if (f.kind === "boolean") return { kind: "boolean", brief: f.brief, optional: true } as const;
  return {
    kind: "parsed",
    parse: f.kind === "number" ? Number : String,
    brief: f.brief,
    ...(f.placeholder !== undefined ? { placeholder: f.placeholder } : {}),
    ...(f.default !== undefined ? { default: f.default } : f.optional ? { optional: true } : {}),
  } as const;
}

/**
 * What one invocation of a plugin command reads, writes and reaches (`--print-permissions`), from the
 * `access` its flags and positional arguments declare.
 */
export function pluginCommandGrants(
  cmd: PluginCommand,
  flags: Record<string, unknown>,
  positional: string[],
): CommandGrants {
  const grants = { read: [] as string[], write: [] as string[], net: [] as string[] };
  const add = (access: "read" | "write" | "net" | undefined, value: unknown) => {
    if (access === undefined || typeof value !== "string" || value === "") return;
    if (access === "net") grants.net.push(new URL(value).host);
    else grants[access].push(value);
  };
  for (const [name, f] of Object.entries(cmd.flags)) add(f.access, flags[name]);
  cmd.positional?.forEach((p, i) => add(p.access, positional[i]));
  if (grants.net.length === 0) grants.net.push(...cmd.net ?? []);
  // A command reads back what it writes (a resumed download, a written data root).
  grants.read.push(...grants.write);
  return grants;
}

/** One plugin command as a stricli command: shared flags and error handling, the exit code it returns. */
function mountCommand(cmd: PluginCommand) {
  const flags: Record<string, unknown> = { ...commonFlags };
  for (const [name, f] of Object.entries(cmd.flags)) flags[name] = stricliFlag(f);
  if (cmd.json) flags.json = jsonFlag;
  const positional = cmd.positional?.length
    ? { kind: "tuple", parameters: cmd.positional.map((p) => ({ ...p, parse: String })) }
    : undefined;
  return buildCommand({
    docs: { brief: cmd.brief },
    // The flag set is data, so its static type is lost; stricli checks it when the route map is built.
    parameters: { flags, ...(positional ? { positional } : {}) } as never,
    func: async function (this: Ctx, f: FlagValues, ...args: string[]) {
      await guarded(this, f, async () => {
        const code = await cmd.run({ flags: f, positional: args }, {
          write: (text) => this.process.stdout.write(text),
          log: createLogger({ quiet: f.quiet, debug: f.debug }),
          progress: terminalProgress({ quiet: f.quiet }),
          json: f.json === true,
        });
        if (code) this.process.exitCode = code;
      }, () => pluginCommandGrants(cmd, f, args));
    },
  });
}

/** Every command of the built-in dataset plugins, by name; two plugins may not claim one name. */
async function datasetCommands(): Promise<Record<string, ReturnType<typeof mountCommand>>> {
  const routes: Record<string, ReturnType<typeof mountCommand>> = {};
  const owner = new Map<string, string>();
  for (const name of builtinNames().dataset) {
    const { definition } = await loadPlugin(name, "dataset");
    for (const [cmdName, cmd] of Object.entries(definition.commands ?? {})) {
      if (owner.has(cmdName)) {
        throw new Error(
          `data command '${cmdName}' is contributed by both '${owner.get(cmdName)}' and '${name}'`,
        );
      }
      owner.set(cmdName, name);
      routes[cmdName] = mountCommand(cmd);
    }
  }
  return routes;
}

/** The `data` route map. */
export const dataRoutes = buildRouteMap({
  routes: await datasetCommands(),
  docs: { brief: "Generate, check and download M50T data" },
});
