/**
 * `batteryml plugins list|add|update|remove|test`: what is installed, trusting a URL plugin (shown its
 * declared permissions, asked to approve them), re-trusting a changed one, forgetting one, and running a
 * plugin's contract suite.
 */
import { buildCommand, buildRouteMap } from "@stricli/core";
import YAML from "yaml";
import { dirname, resolve } from "node:path";
import {
  builtinNames,
  type CommandGrants,
  createLogger,
  createPlugin,
  createRng,
  DEFAULT_INSPECT_TIMEOUT_S,
  DEFAULT_STORE_DIR,
  defaultPluginLockPath,
  describePermissions,
  inspectUrlPlugin,
  type LoadedPlugin,
  loadPlugin,
  NO_PERMISSIONS,
  permissionsDiff,
  type PluginLockEntry,
  readPluginLock,
  recordTrustedPlugin,
  removeTrustedPlugin,
  runContract,
  specifierSource,
} from "../mod.ts";
import { type CommonFlags, commonFlags, type Ctx, guarded, jsonFlag, writeJson } from "./common.ts";

/**
 * `plugins add|update <url>`: the plugin's host, the store (artifacts/plugins) and the lock's folder (the
 * lock is written atomically), and `deno` for the sandbox that validates it.
 */
function trustGrants(url: string): CommandGrants {
  const lockDir = dirname(resolve(defaultPluginLockPath()));
  return {
    read: [defaultPluginLockPath()],
    write: [DEFAULT_STORE_DIR, lockDir],
    net: /^https?:\/\//.test(url) ? [new URL(url).host] : [],
    run: ["deno"],
  };
}

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
        const modules = Object.keys(e.modules ?? { [url]: e.sha256 }).length;
        this.process.stdout.write(
          `url       ${e.kind} ${e.name}@${e.version} ${url} sha256:${e.sha256} modules: ${modules} ` +
            `permissions: ${describePermissions(e.permissions ?? NO_PERMISSIONS)}\n`,
        );
      }
    });
  },
});

type TrustFlags = CommonFlags & { yes?: boolean; timeout?: number };

const trustFlags = {
  ...commonFlags,
  yes: { kind: "boolean", brief: "Approve the declared permissions without asking", optional: true },
  timeout: {
    kind: "parsed",
    parse: Number,
    brief:
      `Seconds the module's top-level code may run in its sandbox (default ${DEFAULT_INSPECT_TIMEOUT_S})`,
    optional: true,
    placeholder: "s",
  },
} as const;

const urlArg = {
  kind: "tuple",
  parameters: [{ brief: "https: or http: URL of the module", parse: String, placeholder: "url" }],
} as const;

/**
 * Asks the user to approve `what` (a terminal prompt); without a terminal, only `--yes` approves. Returns
 * whether it was approved.
 */
function approve(ctx: Ctx, flags: TrustFlags, what: string): boolean {
  if (flags.yes) return true;
  if (!Deno.stdin.isTerminal()) {
    ctx.process.stderr.write(`error: ${what}: not approved (no terminal to ask on; pass --yes to approve)\n`);
    return false;
  }
  const answer = prompt(`${what}? [y/N]`) ?? "";
  return /^y(es)?$/i.test(answer.trim());
}

const pluginsAdd = buildCommand({
  docs: {
    brief:
      "Trust a URL plugin: fetch its module graph, validate it in a sandbox, show and pin its permissions",
  },
  parameters: { flags: trustFlags, positional: urlArg },
  func: async function (this: Ctx, flags: TrustFlags, url: string) {
    await guarded(this, flags, async () => {
      const e = await inspectUrlPlugin(url, { timeoutS: flags.timeout });
      const perms = e.permissions ?? NO_PERMISSIONS;
      this.process.stdout.write(
        `${e.kind} plugin '${e.name}' ${e.version}: ${Object.keys(e.modules ?? {}).length} module(s), ` +
          `declared permissions: ${describePermissions(perms)}\n`,
      );
      const asks = describePermissions(perms) !== "none";
      if (asks && !approve(this, flags, `grant ${e.name} ${describePermissions(perms)}`)) {
        this.process.exitCode = 1;
        return;
      }
      await recordTrustedPlugin(url, e);
      this.process.stdout.write(`added ${e.kind} plugin '${e.name}' ${e.version} sha256:${e.sha256}\n`);
    }, () => trustGrants(url));
  },
});

const pluginsUpdate = buildCommand({
  docs: { brief: "Re-fetch a trusted URL plugin; show what changed (permissions first) and ask again" },
  parameters: { flags: trustFlags, positional: urlArg },
  func: async function (this: Ctx, flags: TrustFlags, url: string) {
    await guarded(this, flags, async () => {
      const before: PluginLockEntry | undefined = (await readPluginLock()).plugins[url];
      if (!before) throw new Error(`'${url}' is not in the plugin lock; use 'batteryml plugins add'`);
      const after = await inspectUrlPlugin(url, { timeoutS: flags.timeout });
      const beforeModules = before.modules ?? { [url]: before.sha256 };
      const changedModules = Object.keys({ ...beforeModules, ...after.modules })
        .filter((m) => beforeModules[m] !== after.modules?.[m]);
      const diff = permissionsDiff(before.permissions ?? NO_PERMISSIONS, after.permissions ?? NO_PERMISSIONS);
      this.process.stdout.write(
        `${after.name} ${before.version} → ${after.version}; modules changed: ${changedModules.length}\n` +
          (diff.length
            ? `permissions:\n${diff.map((l) => `  ${l}`).join("\n")}\n`
            : "permissions unchanged\n"),
      );
      if (changedModules.length === 0 && diff.length === 0) return;
      if (!approve(this, flags, `trust the new ${after.name}`)) {
        this.process.exitCode = 1;
        return;
      }
      await recordTrustedPlugin(url, after);
      this.process.stdout.write(`updated ${after.kind} plugin '${after.name}' ${after.version}\n`);
    }, () => trustGrants(url));
  },
});

const pluginsRemove = buildCommand({
  docs: { brief: "Forget a URL plugin: remove it from the plugin lock (runs naming it are then refused)" },
  parameters: { flags: { ...commonFlags }, positional: urlArg },
  func: async function (this: Ctx, flags: CommonFlags, url: string) {
    await guarded(this, flags, async () => {
      if (!await removeTrustedPlugin(url)) throw new Error(`'${url}' is not in the plugin lock`);
      this.process.stdout.write(`removed ${url}\n`);
    }, () => ({ read: [defaultPluginLockPath()], write: [dirname(resolve(defaultPluginLockPath()))] }));
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
      if (loaded.definition.kind === "dataset" && failed === 0) {
        const options = flags.options ? YAML.parse(flags.options) : {};
        for (const line of await pipelineFit(loaded as LoadedPlugin<"dataset">, options)) {
          this.process.stdout.write(`${line}\n`);
        }
      }
      // Its checks write under artifacts/tmp; a plugin that is not built in runs in its sandbox.
    }, () => ({ write: ["artifacts"], run: specifierSource(spec) === "builtin" ? [] : ["deno"] }));
  },
});

/**
 * Which built-in pipelines can read a dataset (informational, not a contract failure: a dataset without
 * curves is not meant for ica_peaks): each is fitted with its defaults on every cell, and the first error —
 * typically the missing column, named — is reported.
 */
async function pipelineFit(dataset: LoadedPlugin<"dataset">, options: unknown): Promise<string[]> {
  const ctx = { seed: 1, rng: createRng(1), log: createLogger({ quiet: true }), cacheDir: "artifacts/cache" };
  const lines: string[] = [];
  for (const name of builtinNames().pipeline) {
    try {
      const data = await createPlugin(dataset, options, ctx, "data");
      const pipeline = await createPlugin(await loadPlugin(name, "pipeline"), {}, ctx, "pipeline");
      const set = await (await pipeline.fit(data)).transform(data);
      lines.push(
        set.n > 0
          ? `pipeline ${name}: reads it (${set.n} samples)`
          : `pipeline ${name}: cannot read it: no samples (for ica_peaks: no curves)`,
      );
    } catch (err) {
      lines.push(
        `pipeline ${name}: cannot read it: ${((err as Error).message ?? String(err)).split("\n")[0]}`,
      );
    }
  }
  return lines;
}

/** The `plugins` route map. */
export const pluginsRoutes = buildRouteMap({
  routes: {
    list: pluginsList,
    add: pluginsAdd,
    update: pluginsUpdate,
    remove: pluginsRemove,
    test: pluginsTest,
  },
  docs: { brief: "List, trust, update, remove and test plugins" },
});
