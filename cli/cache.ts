/** `batteryml cache info|clear`: the content-addressed cache's size, or empty it. */
import { buildCommand, buildRouteMap } from "@stricli/core";
import { DiskCache } from "../mod.ts";
import { type CommonFlags, commonFlags, type Ctx, guarded, jsonFlag, writeJson } from "./common.ts";

const cacheDirFlag = {
  kind: "parsed",
  parse: String,
  brief: "Cache folder",
  default: "artifacts/cache",
  placeholder: "dir",
} as const;

const cacheInfo = buildCommand({
  docs: { brief: "Entries and bytes in the content-addressed cache" },
  parameters: { flags: { ...commonFlags, dir: cacheDirFlag, json: jsonFlag } },
  func: async function (this: Ctx, f: CommonFlags & { dir: string; json?: boolean }) {
    await guarded(this, f, async () => {
      const { entries, bytes } = await new DiskCache(f.dir).size();
      if (f.json) writeJson(this, { dir: f.dir, entries, bytes });
      else this.process.stdout.write(`${f.dir}: ${entries} entries, ${(bytes / 1e6).toFixed(2)} MB\n`);
    }, () => ({ read: [f.dir] }));
  },
});

const cacheClear = buildCommand({
  docs: { brief: "Remove every cache entry (results are recomputed when next needed)" },
  parameters: { flags: { ...commonFlags, dir: cacheDirFlag } },
  func: async function (this: Ctx, f: CommonFlags & { dir: string }) {
    await guarded(this, f, async () => {
      const cache = new DiskCache(f.dir);
      const { entries } = await cache.size();
      await cache.clear();
      this.process.stdout.write(`removed ${entries} entries from ${f.dir}\n`);
    }, () => ({ read: [f.dir], write: [f.dir] }));
  },
});

/** The `cache` route map. */
export const cacheRoutes = buildRouteMap({
  routes: { info: cacheInfo, clear: cacheClear },
  docs: { brief: "Inspect or clear the cache" },
});
