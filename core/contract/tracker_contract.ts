/** Contract suite for trackers: every method accepts what the runner sends, in lifecycle order. */
import { join } from "node:path";
import { createPlugin, type LoadedPlugin } from "../loader.ts";
import type { PluginContext } from "../plugin.ts";
import { type CheckResult, expect, runChecks, scratchDir } from "./checks.ts";

/** Runs the tracker contract inside a temporary run folder. */
export async function trackerContract(
  loaded: LoadedPlugin<"tracker">,
  options: unknown,
  ctx: PluginContext,
): Promise<CheckResult[]> {
  const dir = await scratchDir(ctx);
  try {
    const tracker = await createPlugin(loaded, options, ctx, "tracking");
    const artifact = join(dir, "note.txt");
    await Deno.writeTextFile(artifact, "contract");
    return await runChecks({
      "lifecycle calls complete": async () => {
        await tracker.start({
          runId: "20260101T000000Z-00000000-0000",
          runDir: join(dir, "run"),
          experimentName: "contract",
          configHash: "0".repeat(64),
          config: { a: 1 },
          configYaml: "a: 1\n",
          startedAt: new Date(0),
        });
        await tracker.params({ "model.lr": 0.1, name: "x", flag: true });
        for (let step = 0; step < 3; step++) await tracker.metrics({ loss: 1 / (step + 1) }, step);
        await tracker.text("notes", "# heading");
        await tracker.artifact(artifact);
        await tracker.end("FINISHED");
        expect(true, "");
      },
    });
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}
