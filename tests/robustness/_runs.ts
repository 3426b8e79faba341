/**
 * Helpers of the run-fault and config corpora: an earlier run whose files must survive every fault,
 * snapshots by content hash, run folders and manifests, and the CLI spawned as a user runs it
 * (`deno task batteryml …`, under the task's own permissions).
 */
import assert from "node:assert/strict";
import { join, resolve } from "node:path";
import { sha256Hex } from "../../lib/hash/mod.ts";

/** The project root (the task's --allow-write=. is relative to it). */
export const ROOT = resolve(import.meta.dirname!, "../..");

/** Content hash of every file under `dir`, by path relative to it. */
export async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (d: string) => {
    for await (const e of Deno.readDir(d)) {
      const p = join(d, e.name);
      if (e.isDirectory) await walk(p);
      else if (e.isFile) out[p.slice(dir.length + 1)] = await sha256Hex(await Deno.readFile(p));
    }
  };
  await walk(dir);
  return out;
}

/** Every file of `before` is still there with the same bytes (later runs only add files). */
export async function assertIntact(dir: string, before: Record<string, string>): Promise<void> {
  const now = await snapshot(dir);
  for (const [path, hash] of Object.entries(before)) {
    assert.equal(now[path], hash, `${path} under ${dir} changed or vanished`);
  }
}

/** Run folder names under `<outputDir>/runs`, sorted (oldest first). */
export async function runIds(outputDir: string): Promise<string[]> {
  try {
    return (await Array.fromAsync(Deno.readDir(join(outputDir, "runs")))).map((e) => e.name).sort();
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return [];
    throw err;
  }
}

/** The manifest of a run. */
export async function readManifest(outputDir: string, runId: string): Promise<Record<string, unknown>> {
  return JSON.parse(await Deno.readTextFile(join(outputDir, "runs", runId, "manifest.json")));
}

/** The one run of `after` that is not in `before`. */
export function newRun(before: readonly string[], after: readonly string[]): string {
  const added = after.filter((id) => !before.includes(id));
  assert.equal(added.length, 1, `expected one new run, found ${added.join(", ") || "none"}`);
  return added[0];
}

/** `deno task -q batteryml <args>` from the project root; resolves with exit code, stdout, stderr. */
export async function batteryml(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["task", "-q", "batteryml", ...args],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: text(out.stdout), stderr: text(out.stderr) };
}

/**
 * A fresh output folder inside the project (the task may only write under `.`), outside `artifacts/` so
 * that an MLflow store may live in it; removed by `dispose`. `dual` selects tracking=dual with the MLflow
 * store inside it (not the shared ./mlruns).
 */
export async function projectOutputDir(): Promise<
  { rel: string; abs: string; dual: string[]; mlruns: string; dispose(): Promise<void> }
> {
  const rel = join(".batteryml-test", crypto.randomUUID().slice(0, 8));
  const abs = join(ROOT, rel);
  await Deno.mkdir(abs, { recursive: true });
  return {
    rel,
    abs,
    dual: ["tracking=dual", `tracking.2.tracking_uri=file:${rel}/mlruns`],
    mlruns: join(abs, "mlruns"),
    dispose: () => Deno.remove(abs, { recursive: true }),
  };
}
