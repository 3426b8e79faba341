/** `batteryml tracking sync|migrate`: replay spooled MLflow records; move a file store out of artifacts/. */
import { buildCommand, buildRouteMap } from "@stricli/core";
import { artifactsAncestor, ConfigError, migrateFileStore, syncSpool } from "../mod.ts";
import { type CommonFlags, commonFlags, type Ctx, guarded } from "./common.ts";

const trackingSync = buildCommand({
  docs: { brief: "Replay MLflow records spooled while the tracking server was unreachable (no duplicates)" },
  parameters: {
    flags: {
      ...commonFlags,
      spoolDir: { kind: "parsed", parse: String, brief: "Spool folder", default: "artifacts/mlflow-spool" },
      trackingUri: {
        kind: "parsed",
        parse: String,
        brief: "Server URL (default: the one each run started on)",
        optional: true,
      },
      includeUnfinished: {
        kind: "boolean",
        brief: "Also send runs that never ended (crashed)",
        optional: true,
      },
    },
  },
  func: async function (
    this: Ctx,
    f: CommonFlags & { spoolDir: string; trackingUri?: string; includeUnfinished?: boolean },
  ) {
    await guarded(this, f, async () => {
      const result = await syncSpool({
        spoolDir: f.spoolDir,
        trackingUri: f.trackingUri,
        includeUnfinished: f.includeUnfinished,
      });
      for (const r of result.runs) {
        const state = r.skipped ? `skipped (${r.skipped})` : r.complete ? "complete" : "partial";
        this.process.stdout.write(
          `${r.localRunId}: ${r.sent} records sent, ${state}${
            r.failures.length ? `; ${r.failures.join("; ")}` : ""
          }\n`,
        );
      }
      if (result.runs.length === 0) this.process.stdout.write("nothing to sync\n");
      if (result.unavailable) {
        this.process.stderr.write(`error: tracking server unavailable: ${result.unavailable}\n`);
        this.process.exitCode = 1;
      }
    }, async () => ({
      read: [f.spoolDir],
      write: [f.spoolDir],
      net: f.trackingUri ? [new URL(f.trackingUri).host] : await spooledHosts(f.spoolDir),
    }));
  },
});

const trackingMigrate = buildCommand({
  docs: {
    brief:
      "Move an MLflow file store out of artifacts/ (MLflow >= 3.8 cannot open runs below a folder of that name)",
  },
  parameters: {
    flags: {
      ...commonFlags,
      from: { kind: "parsed", parse: String, brief: "Store to move", default: "artifacts/mlruns" },
      to: { kind: "parsed", parse: String, brief: "New place (must not exist)", default: "mlruns" },
    },
  },
  func: async function (this: Ctx, f: CommonFlags & { from: string; to: string }) {
    await guarded(this, f, async () => {
      const ancestor = artifactsAncestor(f.to);
      if (ancestor) {
        throw new ConfigError("--to", `'${f.to}' is below '${ancestor}', which MLflow >= 3.8 cannot open`);
      }
      const r = await migrateFileStore(f.from, f.to);
      this.process.stdout.write(
        `moved ${r.from} → ${r.to}: ${r.experiments} experiments, ${r.runs} runs, ${r.rewritten} locations rewritten\n`,
      );
    }, () => ({ read: [f.from, f.to], write: [f.from, f.to] }));
  },
});

/** The servers spooled runs started on (the hosts `tracking sync` replays to without --tracking-uri). */
async function spooledHosts(spoolDir: string): Promise<string[]> {
  const hosts = new Set<string>();
  const walk = async (dir: string): Promise<void> => {
    for await (const e of Deno.readDir(dir)) {
      const path = `${dir}/${e.name}`;
      if (e.isDirectory) await walk(path);
      else if (e.isFile) {
        for (const m of (await Deno.readTextFile(path)).matchAll(/"trackingUri":\s*"([^"]+)"/g)) {
          hosts.add(new URL(m[1]).host);
        }
      }
    }
  };
  await walk(spoolDir).catch((err) => {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  });
  return [...hosts].sort();
}

/** The `tracking` route map. */
export const trackingRoutes = buildRouteMap({
  routes: { sync: trackingSync, migrate: trackingMigrate },
  docs: { brief: "Experiment tracking utilities" },
});
