/** Shared pieces of the tracker plugin tests: a plugin context, a run description, temp folders. */
import { createRecordingLogger } from "../../../core/log.ts";
import { createRng } from "../../../core/rng.ts";
import type { PluginContext, RunInfo } from "../../../core/plugin.ts";

/** A context whose log records lines. */
export function testContext(): PluginContext & { log: ReturnType<typeof createRecordingLogger> } {
  return { seed: 1, rng: createRng(1), log: createRecordingLogger(), cacheDir: "artifacts/cache" };
}

/** A run as the runner describes it. */
export function testRun(runDir: string): RunInfo {
  return {
    runId: "20260101T000000Z-deadbeef-ab12",
    runDir,
    experimentName: "tests",
    configHash: "f".repeat(64),
    config: { model: { use: "dummy", lr: 0.01 } },
    configYaml: "model:\n  use: dummy\n  lr: 0.01\n",
    startedAt: new Date(1_767_225_600_000),
  };
}

/** Runs `fn` with a fresh temp folder, removed afterwards. */
export async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "trackers_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
