/**
 * Every run under `<output.dir>/runs/`, from its manifest: id, status, start, config hash, model and
 * headline metric. A RUNNING manifest whose process is gone (on this host: nobody holds the run's lock,
 * see core/run_liveness.ts) is shown as CRASHED:
 * the run was killed without a chance to record it (kill -9, power loss). A folder without a readable
 * manifest is listed as UNKNOWN, never skipped, so no run is silently missing from the list.
 */
import { join } from "node:path";
import { runProcessState } from "../mod.ts";

/** A run's status as listed: the manifest's, or CRASHED / UNKNOWN as explained above. */
export type ListedStatus = "RUNNING" | "FINISHED" | "FAILED" | "KILLED" | "CRASHED" | "UNKNOWN";

/** One line of `batteryml runs list`. */
export interface RunListing {
  runId: string;
  status: ListedStatus;
  startedAt: string | null;
  configHash: string | null;
  model: string | null;
  headline: { target: string; metric: string; value: number } | null;
  /** Why the status is CRASHED or UNKNOWN. */
  note?: string;
}

/** Lists the runs of an output folder, oldest first (run ids start with their UTC start time). */
export async function listRuns(outputDir: string): Promise<RunListing[]> {
  const runsDir = join(outputDir, "runs");
  let entries: Deno.DirEntry[];
  try {
    entries = await Array.fromAsync(Deno.readDir(runsDir));
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return [];
    throw err;
  }
  const ids = entries.filter((e) => e.isDirectory).map((e) => e.name).sort();
  return await Promise.all(ids.map((id) => describeRun(join(runsDir, id), id)));
}

async function describeRun(dir: string, runId: string): Promise<RunListing> {
  let manifest: Record<string, unknown>;
  try {
    manifest = JSON.parse(await Deno.readTextFile(join(dir, "manifest.json")));
  } catch (err) {
    return {
      runId,
      status: "UNKNOWN",
      startedAt: null,
      configHash: null,
      model: null,
      headline: null,
      note: `no readable manifest.json (${(err as Error).message.split("\n")[0]})`,
    };
  }
  const listing: RunListing = {
    runId,
    status: String(manifest.status) as ListedStatus,
    startedAt: typeof manifest.startedAt === "string" ? manifest.startedAt : null,
    configHash: typeof manifest.configHash === "string" ? manifest.configHash : null,
    model: modelName(manifest),
    headline: (manifest.headline as RunListing["headline"]) ?? null,
  };
  if (listing.status === "RUNNING") {
    await markCrashed(listing, dir, manifest.process as RunWriter | undefined);
  }
  return listing;
}

/** The process a manifest names as its writer. */
interface RunWriter {
  pid: number;
  hostname: string;
}

async function markCrashed(listing: RunListing, dir: string, proc: RunWriter | undefined): Promise<void> {
  if (!proc || typeof proc.hostname !== "string") return;
  if (await runProcessState(dir, proc) === "dead") {
    listing.status = "CRASHED";
    listing.note = `process ${proc.pid} on ${proc.hostname} is gone; the run never recorded its end`;
  }
}

function modelName(manifest: Record<string, unknown>): string | null {
  const plugins = Array.isArray(manifest.plugins) ? manifest.plugins : [];
  const model = plugins.find((p: { role?: string }) => p?.role === "model") as { name?: string } | undefined;
  return model?.name ?? null;
}

/** The listing as an aligned text table. */
export function formatRunList(runs: readonly RunListing[]): string {
  if (runs.length === 0) return "no runs\n";
  const header = ["run id", "status", "started", "config", "model", "headline"];
  const rows = runs.map((r) => [
    r.runId,
    r.status,
    r.startedAt ?? "-",
    r.configHash?.slice(0, 8) ?? "-",
    r.model ?? "-",
    r.headline ? `${r.headline.target} ${r.headline.metric.toUpperCase()} ${fmt(r.headline.value)}` : "-",
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd();
  return [line(header), ...rows.map(line)].join("\n") + "\n";
}

function fmt(v: number): string {
  return Number.isFinite(v) ? v.toPrecision(4) : "n/a";
}
