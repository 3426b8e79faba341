/**
 * Moves an MLflow file store (e.g. the old default `artifacts/mlruns`, which MLflow ≥ 3.8 cannot open) to a
 * new folder, rewriting the absolute `artifact_location` / `artifact_uri` each experiment and run records in
 * its `meta.yaml`. The move is one rename (same file system) or a copy, then the old store is removed; the
 * target must not exist yet, so nothing is overwritten.
 */
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parse as parseYaml } from "yaml";
import { writeMetaYaml } from "./file_store.ts";

/** What was moved. */
export interface MigrationResult {
  from: string;
  to: string;
  experiments: number;
  runs: number;
  rewritten: number;
}

/** Moves the store `from` → `to` and rewrites the locations inside it. */
export async function migrateFileStore(from: string, to: string): Promise<MigrationResult> {
  const src = resolve(from), dst = resolve(to);
  const info = await Deno.stat(src).catch(() => undefined);
  if (!info?.isDirectory) throw new Error(`no MLflow file store at '${from}'`);
  if (!(await Deno.stat(join(src, "0", "meta.yaml")).then(() => true, () => false))) {
    throw new Error(`'${from}' is not an MLflow file store (no 0/meta.yaml)`);
  }
  if (await Deno.stat(dst).then(() => true, () => false)) {
    throw new Error(`'${to}' exists already: move or merge it by hand, nothing was changed`);
  }
  await Deno.mkdir(resolve(dst, ".."), { recursive: true });
  await moveTree(src, dst);
  const oldUrl = pathToFileURL(src).href, newUrl = pathToFileURL(dst).href;
  const result: MigrationResult = { from, to, experiments: 0, runs: 0, rewritten: 0 };
  for (const base of [dst, join(dst, ".trash")]) {
    for await (const exp of readDirs(base)) {
      const expDir = join(base, exp);
      if (!(await rewriteMeta(join(expDir, "meta.yaml"), oldUrl, newUrl, result))) continue;
      result.experiments++;
      for await (const run of readDirs(expDir)) {
        if (await rewriteMeta(join(expDir, run, "meta.yaml"), oldUrl, newUrl, result)) result.runs++;
      }
    }
  }
  return result;
}

async function moveTree(src: string, dst: string): Promise<void> {
  try {
    await Deno.rename(src, dst);
  } catch (err) {
    // Another file system: copy every file, then remove the source.
    if (!(err instanceof Deno.errors.NotSupported) && !/cross-device|EXDEV/i.test(String(err))) throw err;
    await copyTree(src, dst);
    await Deno.remove(src, { recursive: true });
  }
}

async function copyTree(src: string, dst: string): Promise<void> {
  await Deno.mkdir(dst, { recursive: true });
  for await (const e of Deno.readDir(src)) {
    if (e.isDirectory) await copyTree(join(src, e.name), join(dst, e.name));
    else if (e.isFile) await Deno.copyFile(join(src, e.name), join(dst, e.name));
  }
}

async function* readDirs(dir: string): AsyncGenerator<string> {
  const entries = await Array.fromAsync(Deno.readDir(dir)).catch(() => []);
  for (const e of entries) if (e.isDirectory && !e.name.startsWith(".")) yield e.name;
}

/** Rewrites the old store URL prefix in one meta.yaml; false when there is no meta.yaml. */
async function rewriteMeta(path: string, oldUrl: string, newUrl: string, result: MigrationResult) {
  const text = await Deno.readTextFile(path).catch(() => undefined);
  if (text === undefined) return false;
  const meta = parseYaml(text) as Record<string, unknown>;
  for (const key of ["artifact_location", "artifact_uri"]) {
    const v = meta[key];
    if (typeof v === "string" && v.startsWith(oldUrl)) {
      meta[key] = newUrl + v.slice(oldUrl.length);
      result.rewritten++;
    }
  }
  await writeMetaYaml(path, meta);
  return true;
}
