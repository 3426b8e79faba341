/** `batteryml plugins list|add|test`: what is installed, trusting a URL plugin, a plugin's contract suite. */
import { buildCommand, buildRouteMap } from "@stricli/core";
import YAML from "yaml";
import { builtinNames, loadPlugin, readPluginLock, runContract, trustUrlPlugin } from "../mod.ts";
import { type CommonFlags, commonFlags, type Ctx, guarded, jsonFlag, writeJson } from "./common.ts";

const pluginsList = buildCommand({
  docs: { brief: "List built-in plugins by kind, and the URL plugins in the plugin lock" },
  parameters: { flags: { ...commonFlags, json: jsonFlag } },
  func: async function (this: Ctx, flags: CommonFlags & { json?: boolean }) {
    await guarded(this, flags, async () => {
      const names = builtinNames();
      const lock = await readPluginLock();
      if (flags.json) {
        const url = Object.entries(lock.plugins).map(([url, e]) => ({ url, ...e }));
        return writeJson(this, { builtin: names, url });
      }
      for (const [kind, list] of Object.entries(names)) {
        this.process.stdout.write(`${kind.padEnd(9)} ${list.join(", ") || "(none)"}\n`);
      }
      for (const [url, e] of Object.entries(lock.plugins)) {
        this.process.stdout.write(`url       ${e.kind} ${e.name}@${e.version} ${url} sha256:${e.sha256}\n`);
      }
    });
  },
});

const pluginsAdd = buildCommand({
  docs: { brief: "Trust a URL plugin: fetch, validate and pin its sha256 in the plugin lock" },
  parameters: {
    flags: { ...commonFlags },
    positional: {
      kind: "tuple",
      parameters: [{ brief: "https: or http: URL of the module", parse: String, placeholder: "url" }],
    },
  },
  func: async function (this: Ctx, flags: CommonFlags, url: string) {
    await guarded(this, flags, async () => {
      const e = await trustUrlPlugin(url);
      this.process.stdout.write(`added ${e.kind} plugin '${e.name}' ${e.version} sha256:${e.sha256}\n`);
    });
  },
});

const pluginsTest = buildCommand({
  docs: { brief: "Run the contract suite of the plugin's kind against it" },
  parameters: {
    flags: {
      ...commonFlags,
      options: {
        kind: "parsed",
        parse: String,
        brief: "Plugin options as YAML/JSON",
        optional: true,
        placeholder: "yaml",
      },
    },
    positional: {
      kind: "tuple",
      parameters: [{
        brief: "Built-in name, path, URL or npm: specifier",
        parse: String,
        placeholder: "spec",
      }],
    },
  },
  func: async function (this: Ctx, flags: CommonFlags & { options?: string }, spec: string) {
    await guarded(this, flags, async () => {
      const loaded = await loadPlugin(spec);
      // Checks write under artifacts/tmp: the batteryml task may write the project folder, not the system temp.
      const results = await runContract(loaded, flags.options ? YAML.parse(flags.options) : {}, "artifacts");
      for (const r of results) {
        this.process.stdout.write(
          `${r.ok ? "ok  " : "FAIL"} ${r.name}${r.message ? `: ${r.message}` : ""}\n`,
        );
      }
      const failed = results.filter((r) => !r.ok).length;
      this.process.stdout.write(`${results.length - failed} passed, ${failed} failed\n`);
      if (failed) this.process.exitCode = 1;
    });
  },
});

/** The `plugins` route map. */
export const pluginsRoutes = buildRouteMap({
  routes: { list: pluginsList, add: pluginsAdd, test: pluginsTest },
  docs: { brief: "List, trust and test plugins" },
});
