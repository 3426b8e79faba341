/**
 * Whether the process that wrote a RUNNING manifest still runs. A run holds an exclusive lock on
 * `<run dir>/.running.lock` for its whole life; the operating system drops the lock when the process
 * dies, however it dies (kill -9 included). So a lock that can be taken means the writer is gone.
 *
 * Why not the pid: Deno refuses every /proc path without --allow-all, and `Deno.kill(pid, 0)` needs
 * --allow-run; the CLI has neither. The pid and host are still recorded in the manifest for people.
 */
import { join } from "node:path";

/** The lock file of a run folder. */
export function runLockPath(runDir: string): string {
  return join(runDir, ".running.lock");
}

/** Takes the run's lock (a fresh file); `release()` unlocks and removes it when the run has ended. */
export async function holdRunLock(runDir: string): Promise<{ release(): Promise<void> }> {
  const path = runLockPath(runDir);
  const file = await Deno.open(path, { read: true, write: true, create: true });
  await file.lock(true);
  return {
    async release() {
      try {
        await file.unlock();
      } finally {
        file.close();
        await Deno.remove(path).catch(() => {});
      }
    },
  };
}

/** How long `runProcessState` waits for the lock before it concludes the holder is alive. */
const PROBE_MS = 200;

/**
 * "alive" when another process holds the run's lock, "dead" when nobody does (or the lock file is gone
 * while the manifest still says RUNNING), "unknown" for a run written on another host.
 */
export async function runProcessState(
  runDir: string,
  writer: { hostname: string },
): Promise<"alive" | "dead" | "unknown"> {
  if (writer.hostname !== Deno.hostname()) return "unknown";
  let file: Deno.FsFile;
  try {
    file = await Deno.open(runLockPath(runDir), { read: true });
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return "dead";
    throw err;
  }
  // Deno has no try-lock: race a blocking lock against a short timer; a lock granted later (the run
  // ended meanwhile) is released at once so the probe never holds it.
  let settled = false;
  const taken = file.lock(true).then(async () => {
    if (settled) {
      await file.unlock();
      file.close();
    }
    return true;
  }, () => false);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<false>((resolve) => timer = setTimeout(() => resolve(false), PROBE_MS));
  const gotLock = await Promise.race([taken, timeout]);
  settled = true;
  clearTimeout(timer);
  if (!gotLock) return "alive";
  await file.unlock();
  file.close();
  return "dead";
}
