import assert from "node:assert/strict";
import { join } from "node:path";
import { acquireFolderLock, FolderLockedError, processAlive } from "../../../lib/train/folder_lock.ts";

async function writeLock(dir: string, owner: Record<string, unknown>): Promise<void> {
  await Deno.writeTextFile(join(dir, "lock"), JSON.stringify(owner) + "\n");
}

Deno.test("a lock file is created with O_EXCL, names this process, and a second holder is refused", async () => {
  const dir = await Deno.makeTempDir({ prefix: "batteryml-lock-" });
  try {
    const lock = await acquireFolderLock(dir, () => {});
    const owner = JSON.parse(await Deno.readTextFile(join(dir, "lock")));
    assert.equal(owner.pid, Deno.pid);
    assert.equal(owner.hostname, Deno.hostname());
    const err = await acquireFolderLock(dir, () => {}).then(() => null, (e) => e);
    assert.ok(err instanceof FolderLockedError);
    assert.match(err.message, new RegExp(`folder ${dir} is in use by pid ${Deno.pid}`));
    await lock.release();
    assert.equal(await Deno.stat(join(dir, "lock")).then(() => true, () => false), false);
    await (await acquireFolderLock(dir, () => {})).release();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a lock of a live process is refused; of a dead pid, taken over with a warning", async () => {
  const dir = await Deno.makeTempDir({ prefix: "batteryml-lock-" });
  const sleeper = new Deno.Command("sleep", { args: ["30"] }).spawn();
  try {
    const live = { pid: sleeper.pid, hostname: Deno.hostname(), acquiredAt: "2026-01-01T00:00:00.000Z" };
    await writeLock(dir, live);
    await assert.rejects(acquireFolderLock(dir, () => {}), (e: Error) => {
      assert.ok(e instanceof FolderLockedError);
      assert.match(e.message, new RegExp(`pid ${sleeper.pid} on ${Deno.hostname()}`));
      return true;
    });
    // Another host cannot be checked: assumed alive.
    await writeLock(dir, { ...live, hostname: "elsewhere.example" });
    await assert.rejects(acquireFolderLock(dir, () => {}), FolderLockedError);
    // A pid that no longer runs.
    const done = new Deno.Command("true").spawn();
    await done.status;
    await writeLock(dir, { ...live, pid: done.pid });
    const warnings: string[] = [];
    const again = await acquireFolderLock(dir, (w) => warnings.push(w));
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], new RegExp(`took over the lock of ${dir} left by pid ${done.pid}`));
    assert.equal(JSON.parse(await Deno.readTextFile(join(dir, "lock"))).pid, Deno.pid);
    await again.release();
  } finally {
    sleeper.kill("SIGKILL");
    await sleeper.status;
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("processAlive tells a running pid from a finished one (kill(pid, 0), no signal sent)", async () => {
  const done = new Deno.Command("true").spawn();
  await done.status;
  assert.equal(processAlive(Deno.pid), true);
  assert.equal(processAlive(done.pid), false);
  assert.equal(processAlive(-4), false);
});
