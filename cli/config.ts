/** `batteryml config show`: the composed config and its hash, after validating every plugin's options. */
import { buildCommand, buildRouteMap } from "@stricli/core";
import { composeConfig, createLogger, usesSandboxedPlugins, validateRunConfig } from "../mod.ts";
import { type CommonFlags, commonFlags, configDirFlag, type Ctx, guarded, overridesArg } from "./common.ts";

const configShow = buildCommand({
  docs: { brief: "Print the composed config (YAML) and its hash; validates every plugin's options" },
  parameters: {
    flags: { ...commonFlags, configDir: configDirFlag },
    positional: overridesArg,
  },
  func: async function (this: Ctx, flags: CommonFlags & { configDir?: string }, ...overrides: string[]) {
    await guarded(this, flags, async () => {
      const composed = await composeConfig({ configDir: flags.configDir, overrides });
      await validateRunConfig(composed, createLogger({ quiet: true }));
      this.process.stdout.write(composed.yaml + `# hash: ${composed.hash}\n`);
      // Validating options loads every plugin: those not built in in their sandboxes.
    }, async () => {
      const { config } = await composeConfig({ configDir: flags.configDir, overrides });
      return {
        read: flags.configDir ? [flags.configDir] : [],
        run: usesSandboxedPlugins(config) ? ["deno"] : [],
      };
    });
  },
});

/** The `config` route map. */
export const configRoutes = buildRouteMap({
  routes: { show: configShow },
  docs: { brief: "Inspect the composed config" },
});
