/** `batteryml runs list`: every run of an output folder with its status (dead RUNNING runs as CRASHED). */
import { buildCommand, buildRouteMap } from "@stricli/core";
import { formatRunList, listRuns } from "./runs_list.ts";
import {
  type CommonFlags,
  commonFlags,
  type Ctx,
  guarded,
  jsonFlag,
  outputDirFlag,
  writeJson,
} from "./common.ts";
import { runsCompareCommand } from "./runs_compare.ts";

const runsList = buildCommand({
  docs: {
    brief: "List runs: id, status (a dead RUNNING run shows as CRASHED), start, config hash, model, headline",
  },
  parameters: {
    flags: {
      ...commonFlags,
      json: jsonFlag,
      outputDir: outputDirFlag,
    },
  },
  func: async function (this: Ctx, f: CommonFlags & { json?: boolean; outputDir: string }) {
    await guarded(this, f, async () => {
      const runs = await listRuns(f.outputDir);
      if (f.json) writeJson(this, runs);
      else this.process.stdout.write(formatRunList(runs));
    }, () => ({ read: [f.outputDir] }));
  },
});

/** The `runs` route map. */
export const runsCommand = buildRouteMap({
  routes: { list: runsList, compare: runsCompareCommand },
  docs: { brief: "Inspect the runs of an output folder" },
});
