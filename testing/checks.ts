/** A tiny assertion vocabulary for contract suites (they run from the CLI too, outside `deno test`). */
import { join } from "node:path";
import type { PluginContext } from "../core/plugin.ts";

/** One contract check's outcome. */
export interface CheckResult {
  name: string;
  ok: boolean;
  message?: string;
}

/** Thrown by a failed contract assertion. */
export class ContractViolation extends Error {}

/** Fails the current check unless `cond` holds. */
export function expect(cond: unknown, message: string): asserts cond {
  if (!cond) throw new ContractViolation(message);
}

/** Runs named checks in order, recording each outcome (a failure does not stop the others). */
export async function runChecks(checks: Record<string, () => Promise<void> | void>): Promise<CheckResult[]> {
  const out: CheckResult[] = [];
  for (const [name, check] of Object.entries(checks)) {
    try {
      await check();
      out.push({ name, ok: true });
    } catch (err) {
      out.push({ name, ok: false, message: (err as Error).message });
    }
  }
  return out;
}

/**
 * A fresh folder for a check's files: under `<ctx.outputDir>/tmp` when the context has an output folder (the
 * CLI's task may write there, not in the system temp folder), else in the system temp folder.
 */
export async function scratchDir(ctx: PluginContext): Promise<string> {
  if (!ctx.outputDir) return await Deno.makeTempDir({ prefix: "batteryml-contract-" });
  const root = join(ctx.outputDir, "tmp");
  await Deno.mkdir(root, { recursive: true });
  return await Deno.makeTempDir({ dir: root, prefix: "contract-" });
}

/** Paths of the files under `dir` (recursively, relative to it); empty when `dir` does not exist. */
export async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  try {
    for await (const e of Deno.readDir(dir)) {
      if (e.isFile) out.push(e.name);
      else if (e.isDirectory) out.push(...(await filesUnder(join(dir, e.name))).map((f) => join(e.name, f)));
    }
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  return out;
}
