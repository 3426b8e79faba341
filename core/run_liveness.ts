/**
 * Whether the process that wrote a RUNNING manifest still runs. Read from /proc (Linux) so that it needs
 * only read permission — `Deno.kill(pid, 0)` would need --allow-run; the process start time guards against
 * a pid reused by another process. Where /proc is missing (macOS, Windows) the answer is "unknown".
 */
import { hostname } from "node:os";

/** A recorded process: pid, host and (Linux) start time in clock ticks since boot. */
export interface RecordedProcess {
  pid: number;
  hostname: string;
  startTicks: number | null;
}

/** The start time of `pid` in clock ticks since boot (field 22 of /proc/<pid>/stat), or null. */
export async function processStartTicks(pid: number): Promise<number | null> {
  let stat: string;
  try {
    stat = await Deno.readTextFile(`/proc/${pid}/stat`);
  } catch {
    return null;
  }
  // The command name (field 2) is in parentheses and may hold spaces: split after its closing one.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[22 - 3]);
  return Number.isFinite(ticks) ? ticks : null;
}

/** "alive", "dead" (same host, process gone or replaced) or "unknown" (another host, no /proc). */
export async function processState(p: RecordedProcess): Promise<"alive" | "dead" | "unknown"> {
  if (p.hostname !== hostname()) return "unknown";
  const hasProc = await Deno.stat("/proc/self/stat").then(() => true, () => false);
  if (!hasProc) return "unknown";
  const ticks = await processStartTicks(p.pid);
  if (ticks === null) return "dead";
  return p.startTicks === null || ticks === p.startTicks ? "alive" : "dead";
}
