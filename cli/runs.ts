/** `batteryml runs list`: every run of an output folder with its status (dead RUNNING runs as CRASHED). */
import { buildCommand, buildRouteMap } from "@stricli/core";
import { type CommonFlags, commonFlags, type Ctx, guarded, jsonFlag } from "./common.ts";
import { formatRunList, listRuns } from "../core/runs_list.ts";

const runsList = buildCommand({
  docs: {
    brief: "List runs: id, status (a dead RUNNING run shows as CRASHED), start, config hash, model, headline",
  },
  parameters: {
    flags: {
      ...commonFlags,
      json: jsonFlag,
      outputDir: {
        kind: "parsed",
        parse: String,
        brief: "The runs' output folder (config output.dir)",
        default: "artifacts",
      },
    },
  },
  func: async function (this: Ctx, f: CommonFlags & { json?: boolean; outputDir: string }) {
    await guarded(this, f, async () => {
      const runs = await listRuns(f.outputDir);
      this.process.stdout.write(f.json ? JSON.stringify(runs, null, 2) + "\n" : formatRunList(runs));
    });
  },
});

/** The `runs` route map. */
export const runsCommand = buildRouteMap({
  routes: { list: runsList },
  docs: { brief: "Inspect the runs of an output folder" },
});
