/** Shared helpers of the M50T tests: plugin context, real-data root, temp dirs and a file hash. */
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Logger, PluginContext } from "../../../../core/plugin.ts";
import { Rng } from "../../../../core/rng.ts";

/** Repository root (four folders above this file). */
export const REPO_ROOT = fileURLToPath(new URL("../../../../", import.meta.url));

/** The real data folder: BATTERYML_REAL_DATA, default ../shared/data/m50t from the repository root. */
export function realDataRoot(): string {
  return resolve(REPO_ROOT, Deno.env.get("BATTERYML_REAL_DATA") ?? "../shared/data/m50t");
}

/** Fails (never skips) when the real data folder is missing. */
export async function requireRealData(): Promise<string> {
  const root = realDataRoot();
  try {
    if ((await Deno.stat(root)).isDirectory) return root;
  } catch { /* reported below */ }
  throw new Error(`real M50T data folder missing: ${root} (set BATTERYML_REAL_DATA)`);
}

/** A logger that records warnings. */
export function recordingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  return { warnings, info() {}, debug() {}, warn: (m: string) => void warnings.push(m) };
}

/** A plugin context with a temp cache folder. */
export function testContext(
  cacheDir: string,
  seed = 0,
): PluginContext & { log: ReturnType<typeof recordingLogger> } {
  return { seed, rng: new Rng(seed), log: recordingLogger(), cacheDir };
}

/** Writes `text` to `<dir>/<name>` (creating folders) and returns the path. */
export async function writeFixture(dir: string, name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await Deno.mkdir(join(path, ".."), { recursive: true });
  await Deno.writeTextFile(path, text);
  return path;
}

/** sha256 hex of a file. */
export async function sha256File(path: string): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", await Deno.readFile(path)));
  return Array.from(d, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Every file under `dir`, relative paths sorted. */
export async function listFiles(dir: string, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(join(dir, prefix))) {
    const rel = prefix ? join(prefix, e.name) : e.name;
    if (e.isDirectory) out.push(...await listFiles(dir, rel));
    else out.push(rel);
  }
  return out.sort();
}
