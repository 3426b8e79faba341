/**
 * Contract suite for trackers: every method the tracker has accepts what the runner sends, in lifecycle
 * order (start → params → metrics → text → figure → histogram → artifact → end); `start`, `metrics` and
 * `end` are required, the others optional (a tracker that leaves one out is skipped there, as the core
 * does). A tracker with sweep hooks gets a one-point sweep: `sweepStart`, a point's run with its handle
 * (through JSON), `sweepEnd` — each on an instance of its own. Each method is its own check, so a tracker that throws or rejects in one of them is reported by
 * that name.
 */
import { join } from "node:path";
import { createPlugin, type LoadedPlugin } from "../core/loader.ts";
import type { PluginContext, SweepInfo, SweepOutcome } from "../core/plugin.ts";
import { type CheckResult, runChecks, scratchDir } from "./checks.ts";

/** A valid 1×1 RGBA PNG, so `figure` gets real image bytes. */
const PNG_1X1 = Uint8Array.from(
  atob(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8/5+hHgAHggJ/PchI7wAAAABJRU5ErkJggg==",
  ),
  (c) => c.charCodeAt(0),
);
const SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>';

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
      "start(): accepts the run's info": async () => {
        await tracker.start({
          runId: "20260101T000000Z-00000000-0000",
          runDir: join(dir, "run"),
          experimentName: "contract",
          configHash: "0".repeat(64),
          config: { a: 1 },
          configYaml: "a: 1\n",
          startedAt: new Date(0),
        });
      },
      "params() (optional): accepts string, number and boolean values": async () => {
        if (!tracker.params) return;
        await tracker.params({ "model.lr": 0.1, name: "x", flag: true });
      },
      "metrics(): accepts values at increasing steps": async () => {
        for (let step = 0; step < 3; step++) {
          await tracker.metrics({ loss: 1 / (step + 1), "a/b": step }, step);
        }
      },
      "text() (optional): accepts markdown": async () => {
        if (!tracker.text) return;
        await tracker.text("notes", "# heading\n\nbody");
      },
      "figure() (optional): accepts SVG text with PNG bytes": async () => {
        if (!tracker.figure) return;
        await tracker.figure("contract_figure", { svg: SVG, png: PNG_1X1 });
      },
      "histogram() (optional): accepts values at a step": async () => {
        if (!tracker.histogram) return;
        await tracker.histogram("weights/layer0", Float32Array.from([0.1, -0.2, 0.3, 0.3]), 1);
      },
      "artifact() (optional): accepts a file": async () => {
        if (!tracker.artifact) return;
        await tracker.artifact(artifact);
        await tracker.artifact!(artifact, "renamed.txt");
      },
      "end(): accepts the final status": async () => {
        await tracker.end("FINISHED");
      },
      "sweepStart()/sweepEnd() (optional): a JSON handle that a point's run and the aggregation accept":
        async () => {
          // Each hook runs on an instance of its own, as the sweep's launch, points and aggregation are processes.
          const sweeper = await createPlugin(loaded, options, ctx, "tracking");
          if (!sweeper.sweepStart) return;
          const sweep = sweepOf(dir);
          const handle = await sweeper.sweepStart(sweep);
          const crossed = handle === undefined ? undefined : JSON.parse(JSON.stringify(handle));
          assertJsonEqual(crossed, handle);
          const point = await createPlugin(loaded, options, ctx, "tracking");
          const runId = "20260101T000000Z-00000000-0001";
          await point.start({
            runId,
            runDir: join(dir, "point"),
            experimentName: "contract",
            configHash: "0".repeat(64),
            config: { a: 2 },
            configYaml: "a: 2\n",
            startedAt: new Date(0),
            sweep: { id: sweep.id, point: 0, params: { a: "2" }, handle: crossed },
          });
          await point.params?.({ a: 2 });
          await point.metrics({ "test/y/rmse": 0.5 }, 0);
          await point.end("FINISHED");
          const ender = await createPlugin(loaded, options, ctx, "tracking");
          await ender.sweepEnd?.(sweep, crossed, await outcomeOf(dir, runId));
        },
    });
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

/** A one-point sweep over `a`. */
function sweepOf(dir: string): SweepInfo {
  return {
    id: "contract-00000000",
    name: "contract",
    dir: join(dir, "sweep"),
    points: 1,
    axes: { a: ["2"] },
    recordJson: "{}\n",
  };
}

/** The outcome of that sweep: its one point FINISHED and compared, with the comparison files written. */
async function outcomeOf(dir: string, runId: string): Promise<SweepOutcome> {
  const files = {
    json: join(dir, "compare.json"),
    csv: join(dir, "compare.csv"),
    svg: join(dir, "compare.svg"),
    png: join(dir, "compare.png"),
  };
  await Deno.writeTextFile(files.json, "{}\n");
  await Deno.writeTextFile(files.csv, "rank,config\n1,c0\n");
  await Deno.writeTextFile(files.svg, SVG);
  await Deno.writeFile(files.png, PNG_1X1);
  return {
    status: "FINISHED",
    counts: { FINISHED: 1 },
    comparison: {
      target: "y",
      metric: "rmse",
      lowerIsBetter: true,
      configs: [{
        config: "c0",
        label: "a=2",
        rank: 1,
        n: 1,
        mean: 0.5,
        std: 0,
        ci95: [0.5, 0.5],
        verdict: "best",
      }],
      values: [{ point: 0, runId, config: "c0", params: { a: "2" }, value: 0.5 }],
      table: "rank config\n1 c0 a=2\n",
      files,
    },
  };
}

/** The handle must come back the same through JSON (the sweep folder's trackers.json). */
function assertJsonEqual(crossed: unknown, handle: unknown): void {
  if (JSON.stringify(crossed) !== JSON.stringify(handle)) {
    throw new Error(`sweepStart() returned a value that does not survive JSON: ${String(handle)}`);
  }
}
