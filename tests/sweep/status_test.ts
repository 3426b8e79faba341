/**
 * A sweep's status from its folder alone: a point whose RUNNING run lost its process (kill -9: nobody holds
 * the run's lock) is CRASHED and is run again on resume; a live one is RUNNING and is not; a point never
 * started is PENDING.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { hostname } from "node:os";
import { pendingPoints } from "../../sweep/launch.ts";
import { holdRunLock } from "../../core/run_liveness.ts";
import { sweepStatus } from "../../sweep/status.ts";
import { type SweepRecord, writePointState, writeSweepRecord } from "../../lib/sweep/mod.ts";

Deno.test("status: CRASHED (lock free), RUNNING (lock held), FINISHED, PENDING; resume takes CRASHED and PENDING", async () => {
  const out = await Deno.makeTempDir();
  try {
    const dir = join(out, "sweeps", "s-00000000");
    const record: SweepRecord = {
      sweepId: "s-00000000",
      name: "s",
      createdAt: new Date().toISOString(),
      cwd: out,
      configDir: "configs",
      outputDir: out,
      source: { file: null, args: [] },
      configs: [{ key: "c0", params: {}, label: "(base)" }],
      points: [0, 1, 2, 3].map((index) => ({ index, config: "c0", seed: index, fold: null, overrides: [] })),
      launches: [],
    };
    await writeSweepRecord(dir, record);
    const run = async (index: number, status: string) => {
      const runDir = join(out, "runs", `run${index}`);
      await Deno.mkdir(runDir, { recursive: true });
      await Deno.writeTextFile(
        join(runDir, "manifest.json"),
        JSON.stringify({ status, process: { pid: 1, hostname: hostname() } }),
      );
      await writePointState(dir, {
        index,
        status: status as "RUNNING" | "FINISHED",
        runId: `run${index}`,
        runDir,
        host: hostname(),
        pid: 1,
        attempt: 1,
        startedAt: new Date().toISOString(),
      });
      return runDir;
    };
    await run(0, "FINISHED");
    const crashed = await run(1, "RUNNING");
    await Deno.writeTextFile(join(crashed, ".running.lock"), ""); // left behind, held by nobody
    const live = await run(2, "RUNNING");
    const lock = await holdRunLock(live);
    try {
      const s = await sweepStatus(out, "s-00000000");
      assert.deepEqual(s.points.map((p) => p.status), ["FINISHED", "CRASHED", "RUNNING", "PENDING"]);
      assert.deepEqual([s.counts.FINISHED, s.counts.CRASHED, s.counts.RUNNING, s.counts.PENDING], [
        1,
        1,
        1,
        1,
      ]);
      assert.deepEqual(await pendingPoints(record), [1, 3]);
    } finally {
      await lock.release();
    }
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});
