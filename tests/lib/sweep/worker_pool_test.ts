import assert from "node:assert/strict";
import { join } from "node:path";
import {
  persistentWorker,
  type PoolWorker,
  runPool,
  spawnLogged,
  type StartedPoint,
} from "../../../lib/sweep/mod.ts";
import { progressRecorder } from "../../fixtures/progress_recorder.ts";

/** A fake point process that ends when the test says so. */
function controllable() {
  const started: number[] = [];
  const live = new Map<number, (code: number) => void>();
  let maxLive = 0;
  return {
    started,
    live,
    maxLive: () => maxLive,
    start(index: number): StartedPoint {
      started.push(index);
      let end!: (code: number) => void;
      const done = new Promise<number>((r) => end = r);
      live.set(index, (code) => {
        live.delete(index);
        end(code);
      });
      maxLive = Math.max(maxLive, live.size);
      return { done, stop: () => live.get(index)?.(143) };
    },
  };
}

/** A pool worker running the fake's points. */
function fakeWorker(fake: ReturnType<typeof controllable>): PoolWorker {
  let current: StartedPoint | null = null;
  return {
    run: (index) => (current = fake.start(index)).done,
    stop: () => current?.stop(),
    close: () => Promise.resolve(),
  };
}

const tick = () => new Promise((r) => setTimeout(r, 5));

Deno.test("pool: at most N points at once, each exactly once, progress counts them and the failures", async () => {
  const fake = controllable();
  const progress = progressRecorder();
  const pool = runPool([0, 1, 2, 3, 4], {
    workers: 2,
    open: () => fakeWorker(fake),
    progress,
    stopRequested: () => Promise.resolve(false),
  });
  while (fake.started.length < 5 || fake.live.size > 0) {
    await tick();
    // End the oldest live point; point 3 fails.
    const [first] = fake.live.keys();
    if (first !== undefined) fake.live.get(first)!(first === 3 ? 1 : 0);
  }
  const result = await pool;
  assert.deepEqual(fake.started, [0, 1, 2, 3, 4]);
  assert.equal(fake.maxLive(), 2);
  assert.deepEqual([...result.codes].sort((a, b) => a[0] - b[0]), [[0, 0], [1, 0], [2, 0], [3, 1], [4, 0]]);
  assert.equal(result.stopped, false);
  const [task] = progress.tasks;
  assert.equal(task.total, 5);
  assert.equal(task.options.unit, "points");
  assert.deepEqual(task.updates.map((u) => u.done), [1, 2, 3, 4, 5]);
  assert.equal(task.updates.at(-1)!.status, "1 failed");
  assert.deepEqual(task.finished, [{ status: "1 failed" }]);
});

Deno.test("pool: a stop request stops the running points and starts no other", async () => {
  const fake = controllable();
  let stop = false;
  const pool = runPool([0, 1, 2, 3], {
    workers: 2,
    open: () => fakeWorker(fake),
    progress: progressRecorder(),
    stopRequested: () => Promise.resolve(stop),
    pollMs: 5,
  });
  while (fake.live.size < 2) await tick();
  stop = true;
  const result = await pool;
  assert.equal(result.stopped, true);
  assert.deepEqual(fake.started, [0, 1]);
  assert.deepEqual([...result.codes].sort(), [[0, 143], [1, 143]]);
});

Deno.test("spawnLogged appends the header, stdout and stderr to the log and returns the exit code", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const logPath = join(dir, "logs", "point-0.log");
    for (const code of [0, 3]) {
      const p = spawnLogged(["bash", "-c", `echo out${code}; echo err${code} >&2; exit ${code}`], {
        cwd: dir,
        env: {},
        logPath,
        header: `== attempt ${code}\n`,
      });
      assert.equal(await p.done, code);
    }
    const lines = (await Deno.readTextFile(logPath)).trim().split("\n");
    assert.equal(lines[0], "== attempt 0");
    assert.deepEqual(lines.slice(1, 3).sort(), ["err0", "out0"]);
    assert.equal(lines[3], "== attempt 3");
    assert.deepEqual(lines.slice(4).sort(), ["err3", "out3"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("persistent workers: points in one process each; a worker that dies fails its point only", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // A worker that answers `done <i> 0`, except that it exits (dies) on point 2; each process says its pid.
    const script =
      'echo "pid $$" >&2; while read i; do if [ "$i" = 2 ]; then exit 9; fi; echo "done $i 0"; done';
    let opened = 0;
    const result = await runPool([0, 1, 2, 3, 4], {
      workers: 1,
      open: () => {
        opened++;
        return persistentWorker({
          argv: ["bash", "-c", script],
          cwd: dir,
          env: {},
          logPath: join(dir, "w.log"),
        });
      },
      progress: progressRecorder(),
      stopRequested: () => Promise.resolve(false),
    });
    assert.deepEqual([...result.codes], [[0, 0], [1, 0], [2, 1], [3, 0], [4, 0]]);
    assert.equal(opened, 2, "one process for points 0–2, a new one after it died");
    const pids = (await Deno.readTextFile(join(dir, "w.log"))).trim().split("\n");
    assert.equal(pids.length, 2);
    assert.ok(pids.every((l) => /^pid \d+$/.test(l)));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
