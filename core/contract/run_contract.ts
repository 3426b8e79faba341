/** `batteryml plugins test`: the contract suite of a plugin's kind, run against it. */
import { createLogger } from "../log.ts";
import type { LoadedPlugin } from "../loader.ts";
import type { PluginContext } from "../plugin.ts";
import { createRng } from "../rng.ts";
import type { CheckResult } from "./checks.ts";
import { modelContract } from "./model_contract.ts";
import { splitContract } from "./split_contract.ts";
import { trackerContract } from "./tracker_contract.ts";

/** Runs the suite for the plugin's kind; kinds without a suite here say so in one failed check. */
export async function runContract(loaded: LoadedPlugin, options: unknown = {}): Promise<CheckResult[]> {
  const ctx: PluginContext = {
    seed: 1,
    rng: createRng(1),
    log: createLogger({ quiet: true }),
    cacheDir: "artifacts/cache",
  };
  switch (loaded.definition.kind) {
    case "model":
      return await modelContract(loaded as LoadedPlugin<"model">, options, ctx);
    case "split":
      return await splitContract(loaded as LoadedPlugin<"split">, options, ctx);
    case "tracker":
      return await trackerContract(loaded as LoadedPlugin<"tracker">, options, ctx);
    default:
      return [{
        name: `${loaded.definition.kind} contract`,
        ok: false,
        message: `no contract suite for ${loaded.definition.kind} plugins yet`,
      }];
  }
}
