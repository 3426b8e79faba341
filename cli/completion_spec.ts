/**
 * What shell completion of `batteryml` knows, computed once when a completion script is generated: the
 * command tree with each command's flags, the config groups with their built-in plugin names, and the
 * option keys of every section (`training.*` …) and built-in plugin (from its zod schema), with the values
 * of enum and boolean keys. The shell scripts embed it, so pressing TAB runs no Deno process.
 */
import type { Command, RouteMap } from "@stricli/core";

/** A node of the command tree. */
export type RoutingTarget = Command<never> | RouteMap<never>;
import { z } from "zod";
import { builtinNames, CONFIG_GROUPS, experimentSchema, loadPlugin, type PluginKind } from "../mod.ts";

/** A flag as typed: `--output-dir`; `takesValue` unless boolean; `values` for an enum. */
export interface FlagSpec {
  name: string;
  takesValue: boolean;
  values: string[];
}

/** A node of the command tree: a route map (`children`) or a command (`flags`, which overrides it takes). */
export interface CommandSpec {
  /** Words from the root, space-separated ("" for the root, "config show"). */
  path: string;
  children: string[];
  flags: FlagSpec[];
  /** "all": any override (`run`, `config show`); "data": data overrides only (`predict`); "none". */
  overrides: "all" | "data" | "none";
}

/** A settable key (dotted below its section or plugin) and the values it accepts when they are few. */
export interface KeySpec {
  key: string;
  values: string[];
}

/** Everything a completion script embeds. */
export interface CompletionSpec {
  commands: CommandSpec[];
  /** Config group → built-in plugin names of its kind (config file names are listed at TAB time). */
  groups: Record<string, string[]>;
  /** Non-plugin section → its keys (`training` → epochs, optimizer, …). */
  sections: Record<string, KeySpec[]>;
  /** `group:plugin` → the plugin's option keys (`model:lgbm` → num_leaves, …). */
  pluginKeys: Record<string, KeySpec[]>;
  /** Tasks of deno.json, for `deno task <TAB>`. */
  tasks: string[];
}

/** Commands whose positional arguments are config overrides, and which ones. */
const OVERRIDE_COMMANDS: Record<string, CommandSpec["overrides"]> = {
  "run": "all",
  "config show": "all",
  "predict": "data",
  "sweep launch": "all",
};

/** Groups whose value may be `null` (none). */
const NULLABLE_GROUPS = ["loss", "tracking"];

/** Builds the spec from the CLI's route map, the experiment schema and the built-in plugins. */
export async function buildCompletionSpec(root: RoutingTarget, tasks: string[]): Promise<CompletionSpec> {
  const groups: Record<string, string[]> = {};
  const pluginKeys: Record<string, KeySpec[]> = {};
  for (const [group, kind] of Object.entries(CONFIG_GROUPS)) {
    const names = builtinNames()[kind];
    groups[group] = NULLABLE_GROUPS.includes(group) ? [...names, "null"] : names;
    if (group === "tracking") continue; // a list: its entries are set by index, not by name
    for (const name of names) pluginKeys[`${group}:${name}`] = await pluginOptionKeys(kind, name);
  }
  const sections: Record<string, KeySpec[]> = {};
  for (const [section, schema] of Object.entries(experimentSchema.shape)) {
    if (section in CONFIG_GROUPS) continue;
    sections[section] = schemaKeys(schema);
  }
  return { commands: commandSpecs(root, ""), groups, sections, pluginKeys, tasks };
}

function commandSpecs(target: RoutingTarget, path: string): CommandSpec[] {
  if (isRouteMap(target)) {
    const entries = target.getAllEntries().filter((e) => !e.hidden);
    const node: CommandSpec = {
      path,
      children: entries.map((e) => e.name.original),
      flags: path === "" ? [flag("--help"), flag("--version")] : [flag("--help")],
      overrides: "none",
    };
    const below = entries.flatMap((e) =>
      commandSpecs(e.target, path ? `${path} ${e.name.original}` : e.name.original)
    );
    return [node, ...below];
  }
  const flags = Object.entries(target.parameters.flags ?? {}).map(([name, f]) => {
    const p = f as { kind: string; values?: readonly string[] };
    return {
      name: `--${kebab(name)}`,
      takesValue: p.kind !== "boolean",
      values: p.kind === "enum" ? [...(p.values ?? [])] : [],
    };
  });
  return [{
    path,
    children: [],
    flags: [...flags, flag("--help")],
    overrides: OVERRIDE_COMMANDS[path] ?? "none",
  }];
}

function isRouteMap(t: RoutingTarget): t is RouteMap<never> {
  return typeof (t as RouteMap<never>).getAllEntries === "function";
}

function flag(name: string): FlagSpec {
  return { name, takesValue: false, values: [] };
}

function kebab(camel: string): string {
  return camel.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** Option keys of a built-in plugin; a plugin whose schema is not zod contributes none. */
async function pluginOptionKeys(kind: PluginKind, name: string): Promise<KeySpec[]> {
  const options: unknown = (await loadPlugin(name, kind)).definition.options;
  return options instanceof z.ZodType ? schemaKeys(options) : [];
}

/** JSON Schema fragment, as zod writes it. */
interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
}

/** The dotted leaf keys of a zod object schema, with the values of enum, boolean and literal keys. */
export function schemaKeys(schema: z.ZodType): KeySpec[] {
  const json = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as JsonSchema;
  const out: KeySpec[] = [];
  collectKeys(json, "", out);
  return out;
}

function collectKeys(node: JsonSchema, prefix: string, out: KeySpec[]): void {
  for (const [key, child] of Object.entries(objectProperties(node))) {
    const path = prefix + key;
    const nested = objectProperties(child);
    if (Object.keys(nested).length) collectKeys(child, `${path}.`, out);
    else out.push({ key: path, values: valuesOf(child) });
  }
}

/** Properties of an object schema, through `anyOf` (nullable objects) and `allOf`. */
function objectProperties(node: JsonSchema): Record<string, JsonSchema> {
  const alternatives = [...(node.anyOf ?? []), ...(node.oneOf ?? []), ...(node.allOf ?? [])];
  return Object.assign({}, node.properties ?? {}, ...alternatives.map(objectProperties));
}

/** The values worth proposing: enum members, booleans, literals and `null`, each a plain word. */
function valuesOf(node: JsonSchema): string[] {
  const alternatives = [node, ...(node.anyOf ?? []), ...(node.oneOf ?? [])];
  const values: unknown[] = [];
  for (const a of alternatives) {
    if (a.enum) values.push(...a.enum);
    if (a.const !== undefined) values.push(a.const);
    const types = Array.isArray(a.type) ? a.type : a.type ? [a.type] : [];
    if (types.includes("boolean")) values.push(true, false);
    if (types.includes("null")) values.push(null);
  }
  const words = values.map(String).filter((v) => /^[A-Za-z0-9_.+\/@-]+$/.test(v));
  return [...new Set(words)];
}
