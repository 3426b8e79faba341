/**
 * An exclusive lock on a folder while one process trains into it: a `lock` file created atomically
 * (O_EXCL) holding the owner's pid and host. Two runs sharing a checkpoint folder would otherwise delete
 * each other's tensor files. A lock whose owner is gone (same host, pid not running) is taken over with a
 * warning; a live one is an error, and so is one whose owner cannot be checked (another host, or no way
 * to probe a pid): the message says which file to remove if no run uses the folder. A pid reused by an
 * unrelated process reads as alive (the same clear error), never as free.
 *
 * The trainer holds the lock for the rest of the process (`holdFolderLock`), not per fit: a run's inner
 * fit and refit use one folder one after the other, and another run must not slip in between. The lock
 * is removed when the process exits normally; after a crash or kill -9 the next run takes it over.
 */
import { join, resolve } from "node:path";
import process from "node:process";

/** What a lock file records about its owner. */
export interface LockOwner {
  pid: number;
  hostname: string;
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
  /** The same, synchronously (for the process's unload event). */
  releaseSync(): void;
}

const LOCK = "lock";
const TAKEOVER = "lock.takeover";

/** Locks this process holds until it exits, by folder. */
const held = new Map<string, FolderLock>();

/**
 * Locks `dir` for the rest of this process (re-entrant: a second call for a held folder does nothing);
 * the lock file is removed when the process exits normally, or by `releaseHeldLocks()`.
 */
export async function holdFolderLock(dir: string, warn: (line: string) => void): Promise<void> {
  const key = resolve(dir);
  if (held.has(key)) return;
  if (held.size === 0) globalThis.addEventListener("unload", releaseHeldLocksSync);
  held.set(key, await acquireFolderLock(key, warn));
}

/** Releases every lock `holdFolderLock` took (tests; the process exit does it otherwise). */
export async function releaseHeldLocks(): Promise<void> {
  for (const lock of held.values()) await lock.release();
  held.clear();
  globalThis.removeEventListener("unload", releaseHeldLocksSync);
}

function releaseHeldLocksSync(): void {
  for (const lock of held.values()) lock.releaseSync();
  held.clear();
}

/** Locks `dir` (created when missing); `warn` hears about a stale lock taken over. */
export async function acquireFolderLock(dir: string, warn: (line: string) => void): Promise<FolderLock> {
  await Deno.mkdir(dir, { recursive: true });
  const file = join(dir, LOCK);
  const me = currentOwner();
  if (await tryCreate(file, me)) return lockOf(file, me);
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
  return lockOf(file, me);
}

function lockOf(file: string, me: LockOwner): FolderLock {
  let released = false;
  // Remove only our own lock: never one another process took over meanwhile.
  const ours = (text: string | null) => {
    try {
      const owner = text ? JSON.parse(text) : null;
      return owner?.pid === me.pid && owner?.acquiredAt === me.acquiredAt;
    } catch {
      return false;
    }
  };
  return {
    file,
    async release() {
      if (released) return;
      released = true;
      if (ours(await Deno.readTextFile(file).catch(() => null))) await Deno.remove(file).catch(() => {});
    },
    releaseSync() {
      if (released) return;
      released = true;
      let text: string | null = null;
      try {
        text = Deno.readTextFileSync(file);
      } catch { /* gone already */ }
      if (ours(text)) {
        try {
          Deno.removeSync(file);
        } catch { /* gone already */ }
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

function currentOwner(): LockOwner {
  return { pid: Deno.pid, hostname: Deno.hostname(), acquiredAt: new Date().toISOString() };
}

/** True when the owner is certainly not running: same host and its pid is gone. */
function isGone(owner: LockOwner): Promise<boolean> {
  if (owner.hostname !== Deno.hostname()) return Promise.resolve(false); // another host: assume alive
  if (owner.pid === Deno.pid) return Promise.resolve(false);
  return Promise.resolve(processAlive(owner.pid) === false);
}

const ESRCH = 3, EPERM = 1;
let libc: Deno.DynamicLibrary<typeof LIBC_SYMBOLS> | null | undefined;
const LIBC_SYMBOLS = {
  kill: { parameters: ["i32", "i32"], result: "i32" },
  __errno_location: { parameters: [], result: "pointer" },
} as const;

/**
 * Whether `pid` runs on this host: kill(pid, 0). Deno guards /proc behind --allow-all and process.kill
 * behind --allow-run, which `batteryml` does not get; it does get --allow-ffi (polars), so libc's kill is
 * called directly where that is granted. Undefined when nothing can tell (the lock is then kept).
 */
export function processAlive(pid: number): boolean | undefined {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (Deno.permissions.querySync({ name: "run" }).state === "granted") {
    try {
      process.kill(pid, 0); // signal 0: only checks that the process exists
      return true;
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === "ESRCH") return false;
      if (code === "EPERM") return true;
    }
  }
  const lib = openLibc();
  if (!lib) return undefined;
  if (lib.symbols.kill(pid, 0) === 0) return true;
  const errnoAt = lib.symbols.__errno_location();
  const errno = errnoAt ? new Deno.UnsafePointerView(errnoAt).getInt32() : 0;
  return errno === ESRCH ? false : errno === EPERM ? true : undefined;
}

function openLibc(): Deno.DynamicLibrary<typeof LIBC_SYMBOLS> | null {
  if (libc !== undefined) return libc;
  libc = null;
  if (Deno.build.os !== "linux" || Deno.permissions.querySync({ name: "ffi" }).state !== "granted") {
    return libc;
  }
  try {
    libc = Deno.dlopen("libc.so.6", LIBC_SYMBOLS);
  } catch { /* no glibc (musl, other platforms): liveness unknown */ }
  return libc;
}
