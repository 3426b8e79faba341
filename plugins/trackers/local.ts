/**
 * `local` tracker: plain files in the run folder — config.yaml, params.json, metrics.json (every logged
 * step), step_metrics.csv, status.json (how the run ended), text/*.md, and copies of artifacts from outside the folder. Figures need no
 * copy here: the runner itself writes them into the run folder's figures/.
 * Each file is rewritten atomically, so an interrupted run leaves the last complete state.
 */
import { z } from "zod";
import { basename, join, relative, resolve } from "node:path";
import { defineTracker, type RunInfo, type TrackerInstance } from "../../mod.ts";

import { writeFileAtomic } from "../../lib/io/mod.ts";

/** A tracker with every optional method but `histogram` and the sweep hooks. */
type FullTracker = Required<Omit<TrackerInstance, "histogram" | "sweepStart" | "sweepEnd">> & TrackerInstance;

const options = z.strictObject({
  /** Rewrite metrics files every N logged steps (and always at the end). */
  flush_every: z.int().min(1).default(20),
});

/** One logged step. */
interface StepRecord {
  step: number;
  time: string;
  values: Record<string, number>;
}

function createLocal(opts: z.infer<typeof options>): FullTracker {
  let run: RunInfo | undefined;
  const steps: StepRecord[] = [];
  let unflushed = 0;
  const dir = () => {
    if (!run) throw new Error("local tracker: start() was not called");
    return run.runDir;
  };
  const flush = async () => {
    unflushed = 0;
    await writeFileAtomic(join(dir(), "metrics.json"), JSON.stringify(steps, null, 1) + "\n");
    await writeFileAtomic(join(dir(), "step_metrics.csv"), stepsCsv(steps));
  };
  return {
    async start(info) {
      run = info;
      await writeFileAtomic(join(info.runDir, "config.yaml"), info.configYaml);
    },
    async params(values) {
      await writeFileAtomic(join(dir(), "params.json"), JSON.stringify(values, null, 2) + "\n");
    },
    async metrics(values, step) {
      steps.push({ step, time: new Date().toISOString(), values });
      if (++unflushed >= opts.flush_every) await flush();
    },
    async text(name, markdown) {
      await writeFileAtomic(join(dir(), "text", `${safe(name)}.md`), markdown);
    },
    figure() {},
    async artifact(path, name) {
      const inside = !relative(dir(), resolve(path)).startsWith("..");
      if (!inside) {
        await writeFileAtomic(join(dir(), "artifacts", name ?? basename(path)), await Deno.readFile(path));
      }
    },
    async end(status) {
      await flush();
      // The tracker's own record of how the run ended, beside the metrics it ended with.
      await writeFileAtomic(
        join(dir(), "status.json"),
        JSON.stringify({ status, endedAt: new Date().toISOString() }) + "\n",
      );
    },
  };
}

/** Long format: step, time, metric, value — one row per logged value. */
function stepsCsv(steps: readonly StepRecord[]): string {
  const lines = ["step,time,metric,value"];
  for (const s of steps) {
    for (const [k, v] of Object.entries(s.values)) lines.push(`${s.step},${s.time},${csvField(k)},${v}`);
  }
  return lines.join("\n") + "\n";
}

function csvField(s: string): string {
  return /[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

function safe(name: string): string {
  return name.replace(/[^A-Za-z0-9_.-]+/g, "_");
}

/** The `local` tracker definition. */
const local = defineTracker({
  kind: "tracker",
  name: "local",
  version: "1.0.0",
  apiVersion: 1,
  description: "Plain JSON/CSV/Markdown files in artifacts/runs/<run id>/.",
  options,
  create: (o: z.infer<typeof options>) => createLocal(o),
});
export default local;
