/** `batteryml plugins test`: the contract suite of a plugin's kind, run against it. */
import { createLogger } from "../core/log.ts";
import type { LoadedPlugin } from "../core/loader.ts";
import type { PluginContext } from "../core/plugin.ts";
import { createRng } from "../core/rng.ts";
import type { CheckResult } from "./checks.ts";
import { datasetContract } from "./dataset_contract.ts";
import { lossContract } from "./loss_contract.ts";
import { modelContract } from "./model_contract.ts";
import { pipelineContract } from "./pipeline_contract.ts";
import { splitContract } from "./split_contract.ts";
import { trackerContract } from "./tracker_contract.ts";

/**
 * Runs the contract suite of the plugin's kind against it. `outputDir`: where checks may write (the CLI passes
 * its output folder, which its task may write); without it they use the system temp folder.
 */
export async function runContract(
  loaded: LoadedPlugin,
  options: unknown = {},
  outputDir?: string,
): Promise<CheckResult[]> {
  const ctx: PluginContext = {
    seed: 1,
    rng: createRng(1),
    log: createLogger({ quiet: true }),
    cacheDir: "artifacts/cache",
    outputDir,
  };
  switch (loaded.definition.kind) {
    case "model":
      return await modelContract(loaded as LoadedPlugin<"model">, options, ctx);
    case "split":
      return await splitContract(loaded as LoadedPlugin<"split">, options, ctx);
    case "tracker":
      return await trackerContract(loaded as LoadedPlugin<"tracker">, options, ctx);
    case "dataset":
      return await datasetContract(loaded as LoadedPlugin<"dataset">, options, ctx);
    case "pipeline":
      return await pipelineContract(loaded as LoadedPlugin<"pipeline">, options, ctx);
    case "loss":
      return await lossContract(loaded as LoadedPlugin<"loss">, options, ctx);
  }
}
