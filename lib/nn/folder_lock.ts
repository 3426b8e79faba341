/**
 * An exclusive lock on a folder while one process trains into it: a `lock` file created atomically
 * (O_EXCL) holding the owner's pid, host and process start time. Two runs sharing a checkpoint folder would
 * otherwise delete each other's tensor files. A lock whose owner is gone (same host, pid not running, or
 * the pid now belongs to a process started later) is taken over with a warning; a live one is an error.
 */
import { join } from "node:path";

/** What a lock file records about its owner. */
export interface LockOwner {
  pid: number;
  hostname: string;
  /** Start time of the owner process (Linux /proc clock ticks), to tell a reused pid apart; null elsewhere. */
  started: string | null;
  acquiredAt: string;
}

/** The folder is locked by a live process (or one on another host, which cannot be checked). */
export class FolderLockedError extends Error {
  constructor(readonly dir: string, readonly lockFile: string, readonly owner: LockOwner | null) {
    super(
      `folder ${dir} is in use by ` +
        (owner
          ? `pid ${owner.pid} on ${owner.hostname} (since ${owner.acquiredAt})`
          : "another process (unreadable lock file)") +
        `; wait for that run to end, or use another folder (remove ${lockFile} only if no run uses it)`,
    );
    this.name = "FolderLockedError";
  }
}

/** A held lock; `release()` removes the lock file (idempotent). */
export interface FolderLock {
  readonly file: string;
  release(): Promise<void>;
}

const LOCK = "lock";
const TAKEOVER = "lock.takeover";

/** Locks `dir` (created when missing); `warn` hears about a stale lock taken over. */
export async function acquireFolderLock(dir: string, warn: (line: string) => void): Promise<FolderLock> {
  await Deno.mkdir(dir, { recursive: true });
  const file = join(dir, LOCK);
  const me = await currentOwner();
  if (await tryCreate(file, me)) return held(file, me);
  const owner = await readOwner(file);
  if (owner && !(await isGone(owner))) throw new FolderLockedError(dir, file, owner);
  if (!owner) throw new FolderLockedError(dir, file, null);
  // Stale: take it over under a short-lived guard, so two processes never both replace it.
  const guard = join(dir, TAKEOVER);
  if (!(await tryCreate(guard, me))) {
    const guardOwner = await readOwner(guard);
    if (guardOwner && !(await isGone(guardOwner))) throw new FolderLockedError(dir, file, guardOwner);
    await Deno.remove(guard).catch(() => {});
    if (!(await tryCreate(guard, me))) throw new FolderLockedError(dir, file, await readOwner(guard));
  }
  try {
    const again = await readOwner(file);
    if (again && again.acquiredAt === owner.acquiredAt && again.pid === owner.pid) {
      await Deno.remove(file).catch(() => {});
    }
    if (!(await tryCreate(file, me))) throw new FolderLockedError(dir, file, await readOwner(file));
  } finally {
    await Deno.remove(guard).catch(() => {});
  }
  warn(
    `took over the lock of ${dir} left by pid ${owner.pid} on ${owner.hostname} ` +
      `(since ${owner.acquiredAt}), which is no longer running`,
  );
  return held(file, me);
}

function held(file: string, me: LockOwner): FolderLock {
  let released = false;
  return {
    file,
    async release() {
      if (released) return;
      released = true;
      // Remove only our own lock: never one another process took over meanwhile.
      const owner = await readOwner(file);
      if (owner && owner.pid === me.pid && owner.acquiredAt === me.acquiredAt) {
        await Deno.remove(file).catch(() => {});
      }
    },
  };
}

async function tryCreate(file: string, owner: LockOwner): Promise<boolean> {
  let handle: Deno.FsFile;
  try {
    handle = await Deno.open(file, { write: true, createNew: true });
  } catch (err) {
    if (err instanceof Deno.errors.AlreadyExists) return false;
    throw err;
  }
  try {
    await handle.write(new TextEncoder().encode(JSON.stringify(owner) + "\n"));
  } finally {
    handle.close();
  }
  return true;
}

async function readOwner(file: string): Promise<LockOwner | null> {
  try {
    const v = JSON.parse(await Deno.readTextFile(file));
    return typeof v?.pid === "number" && typeof v?.hostname === "string" ? v as LockOwner : null;
  } catch {
    return null;
  }
}

async function currentOwner(): Promise<LockOwner> {
  return {
    pid: Deno.pid,
    hostname: Deno.hostname(),
    started: await processStart(Deno.pid),
    acquiredAt: new Date().toISOString(),
  };
}

/** True when the owner is certainly not running: same host, and its pid is gone or was reused. */
async function isGone(owner: LockOwner): Promise<boolean> {
  if (owner.hostname !== Deno.hostname()) return false; // cannot check another host: assume alive
  if (owner.pid === Deno.pid) return false;
  const state = await procStat(owner.pid);
  if (state === undefined) return false; // no /proc (not Linux): cannot tell, assume alive
  if (state === null || state.state === "Z" || state.state === "X") return true;
  return owner.started !== null && state.started !== owner.started;
}

async function processStart(pid: number): Promise<string | null> {
  return (await procStat(pid))?.started ?? null;
}

/**
 * State and start time of `pid` from /proc/<pid>/stat; null when the process does not exist, undefined
 * when /proc is not available.
 */
async function procStat(pid: number): Promise<{ state: string; started: string } | null | undefined> {
  try {
    await Deno.stat("/proc/self/stat");
  } catch {
    return undefined;
  }
  try {
    const text = await Deno.readTextFile(`/proc/${pid}/stat`);
    // Fields after the command name (which may hold spaces) start after the last ')'.
    const rest = text.slice(text.lastIndexOf(")") + 2).split(" ");
    return { state: rest[0], started: rest[19] };
  } catch {
    return null;
  }
}
