/**
 * The package rules of DESIGN.md's Layout, checked on the import statements of every .ts file:
 * - a lib/ package (a folder under lib/) is used from outside only through its `mod.ts`; its `_`-prefixed
 *   files are private. Inside the package, and in its own tests (tests/lib/<package>/, which mirror it),
 *   any file may be imported directly. Loose files directly under lib/ are single-file modules.
 * - lib/ imports nothing of ours outside lib/ (no core/, plugins/, cli/, scripts/, mod.ts).
 * - every package has a `mod.ts` that opens with a module doc comment, and the packages import each other
 *   without cycles.
 * - built-in plugins and the CLI use the public API only: they import `mod.ts`, lib/ and their own folder,
 *   never core/, testing/ or sweep/ directly (plugins/index.ts, the loader's name map, excepted).
 * The checker is tried on a small made-up tree first, so a checker that finds nothing cannot pass.
 */
import assert from "node:assert/strict";
import { dirname, join, normalize, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
/** This file: its made-up tree's import lines are strings, not imports. */
const SELF = fileURLToPath(import.meta.url);
const SKIPPED_FOLDERS = new Set(["node_modules", "artifacts", ".git", "mlruns"]);

/** Relative specifiers of static imports, re-exports and dynamic `import("…")` with a literal. */
const IMPORT = /(?:\bfrom|\bimport)\s*\(?\s*(["'])(\.{1,2}\/[^"']+)\1/g;

/** Repository-relative paths (POSIX) of the project files a source imports. */
function importsOf(path: string, source: string): string[] {
  return [...source.matchAll(IMPORT)].map((m) => normalize(join(dirname(path), m[2])));
}

/** Folders whose files are reached through mod.ts from plugins and the CLI. */
const INTERNALS = ["core/", "testing/", "sweep/"];

/** Built-in plugins and the CLI are written against the public API (the loader's name map excepted). */
function usesPublicApiOnly(path: string): boolean {
  return (path.startsWith("plugins/") && path !== "plugins/index.ts") || path.startsWith("cli/");
}

/** `lib/<name>` for a file inside a lib package, undefined for anything else (loose lib files included). */
function packageOf(path: string): string | undefined {
  const parts = path.split("/");
  return parts[0] === "lib" && parts.length > 2 ? `lib/${parts[1]}` : undefined;
}

/** Every rule broken by a tree given as path → source; one readable line per violation. */
export function layoutViolations(files: ReadonlyMap<string, string>): string[] {
  const found: string[] = [];
  const packageEdges = new Map<string, Set<string>>();
  for (const [path, source] of files) {
    const own = packageOf(path);
    for (const target of importsOf(path, source)) {
      if (path.startsWith("lib/") && !target.startsWith("lib/")) {
        found.push(`${path} imports ${target}: lib/ may import only lib/`);
      }
      if (usesPublicApiOnly(path) && INTERNALS.some((folder) => target.startsWith(folder))) {
        found.push(`${path} imports ${target}: plugins and the CLI import mod.ts, not the core's files`);
      }
      const pkg = packageOf(target);
      if (pkg === undefined || pkg === own) continue;
      if (own !== undefined) addEdge(packageEdges, own, pkg);
      if (path.startsWith(`tests/${pkg}/`) || target === `${pkg}/mod.ts`) continue;
      const name = target.split("/").at(-1)!;
      const why = name.startsWith("_") ? "a private file of" : "a file of";
      found.push(`${path} imports ${target}, ${why} ${pkg}: import ${pkg}/mod.ts`);
    }
  }
  for (const pkg of packagesIn(files)) {
    const mod = files.get(`${pkg}/mod.ts`);
    if (mod === undefined) found.push(`${pkg} has no mod.ts`);
    else if (!mod.trimStart().startsWith("/**")) found.push(`${pkg}/mod.ts does not open with a doc comment`);
  }
  const cycle = findCycle(packageEdges);
  if (cycle) found.push(`lib packages import each other in a cycle: ${cycle.join(" → ")}`);
  return found;
}

function packagesIn(files: ReadonlyMap<string, string>): Set<string> {
  const packages = new Set<string>();
  for (const path of files.keys()) {
    const pkg = packageOf(path);
    if (pkg) packages.add(pkg);
  }
  return packages;
}

function addEdge(edges: Map<string, Set<string>>, from: string, to: string): void {
  if (!edges.has(from)) edges.set(from, new Set());
  edges.get(from)!.add(to);
}

/** One cycle of the package graph (first package repeated at the end), or undefined. */
function findCycle(edges: Map<string, Set<string>>): string[] | undefined {
  const done = new Set<string>();
  const visit = (node: string, path: string[]): string[] | undefined => {
    const at = path.indexOf(node);
    if (at >= 0) return [...path.slice(at), node];
    if (done.has(node)) return undefined;
    for (const next of edges.get(node) ?? []) {
      const cycle = visit(next, [...path, node]);
      if (cycle) return cycle;
    }
    done.add(node);
    return undefined;
  };
  for (const node of edges.keys()) {
    const cycle = visit(node, []);
    if (cycle) return cycle;
  }
  return undefined;
}

async function projectSources(): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  const walk = async (dir: string): Promise<void> => {
    for await (const entry of Deno.readDir(dir)) {
      const path = join(dir, entry.name);
      if (entry.isDirectory && !SKIPPED_FOLDERS.has(entry.name)) await walk(path);
      else if (entry.isFile && path.endsWith(".ts") && path !== SELF) {
        files.set(relative(ROOT, path).replaceAll("\\", "/"), await Deno.readTextFile(path));
      }
    }
  };
  await walk(ROOT);
  return files;
}

Deno.test("the layout checker finds each kind of violation in a made-up tree", () => {
  const doc = "/** A package. */\n";
  const tree = new Map([
    ["lib/a/mod.ts", `${doc}export * from "./x.ts";`],
    ["lib/a/x.ts", `import { p } from "./_p.ts";\nimport { b } from "../b/mod.ts";`],
    ["lib/a/_p.ts", `import { Run } from "../../core/run.ts";`],
    ["lib/b/mod.ts", `${doc}export * from "./y.ts";`],
    ["lib/b/y.ts", `import { x } from "../a/mod.ts";`],
    ["lib/c/z.ts", "export const z = 1;"],
    ["lib/d/mod.ts", "export const d = 1;"],
    ["lib/metrics.ts", `import { x } from "./a/x.ts";`],
    ["plugins/p.ts", `import { p } from "../lib/a/_p.ts";\nimport { b } from "../lib/b/mod.ts";`],
    [
      "plugins/models/m.ts",
      `import type { Fold } from "../../core/plugin.ts";\nimport { defineModel } from "../../mod.ts";`,
    ],
    ["plugins/index.ts", `import type { PluginKind } from "../core/plugin.ts";`],
    ["cli/c.ts", `import { runContract } from "../testing/mod.ts";`],
    ["scripts/s.ts", `const m = await import("../lib/b/y.ts");`],
    ["tests/lib/a/p_test.ts", `import { p } from "../../../lib/a/_p.ts";`],
    ["tests/lib/b/y_test.ts", `import { p } from "../../../lib/a/_p.ts";`],
  ]);
  assert.deepEqual(layoutViolations(tree).sort(), [
    "cli/c.ts imports testing/mod.ts: plugins and the CLI import mod.ts, not the core's files",
    "lib packages import each other in a cycle: lib/a → lib/b → lib/a",
    "lib/a/_p.ts imports core/run.ts: lib/ may import only lib/",
    "lib/c has no mod.ts",
    "lib/d/mod.ts does not open with a doc comment",
    "lib/metrics.ts imports lib/a/x.ts, a file of lib/a: import lib/a/mod.ts",
    "plugins/models/m.ts imports core/plugin.ts: plugins and the CLI import mod.ts, not the core's files",
    "plugins/p.ts imports lib/a/_p.ts, a private file of lib/a: import lib/a/mod.ts",
    "scripts/s.ts imports lib/b/y.ts, a file of lib/b: import lib/b/mod.ts",
    "tests/lib/b/y_test.ts imports lib/a/_p.ts, a private file of lib/a: import lib/a/mod.ts",
  ]);
});

Deno.test("the project follows the package rules: mod.ts entry points, private _ files, lib imports only lib", async () => {
  const files = await projectSources();
  assert.ok(
    files.has("lib/train/mod.ts") && files.has("core/plugin.ts"),
    "the walk found the project's sources",
  );
  assert.deepEqual(layoutViolations(files), []);
});
