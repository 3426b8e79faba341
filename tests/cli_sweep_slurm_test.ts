/**
 * `batteryml sweep --executor slurm` on a real Slurm cluster (the local single-node one `.ci/run` starts
 * from ../shared/slurm): the 2 × 2 × 2 sweep gives exactly the local executor's numbers, and an array task
 * cancelled mid-run (`scancel <job>_<task>`) is run again on resume, with nothing run twice or lost.
 * Under CI=true a missing cluster fails these tests; elsewhere they are skipped with the reason.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { batteryml, projectOutputDir } from "./robustness/_runs.ts";
import {
  childOutput,
  pointMetrics,
  pointState,
  runManifests,
  slurmAvailable,
  spawnBatteryml,
  sweepIdFrom,
  sweepRecord,
  testSweepYaml,
  waitUntil,
  writeSweepFile,
} from "./fixtures/sweep.ts";

const slurm = await slurmAvailable();
const inCI = Deno.env.get("CI") === "true";
if (!slurm.ok && !inCI) console.log(`Slurm sweep tests skipped: ${slurm.reason}`);

function slurmTest(name: string, fn: () => Promise<void>): void {
  Deno.test({
    name,
    ignore: !slurm.ok && !inCI,
    fn: async () => {
      if (!slurm.ok) assert.fail(`CI=true and no Slurm cluster: ${slurm.reason}`);
      await fn();
    },
  });
}

slurmTest(
  "slurm sweep 2 × 2 × 2 gives the local executor's metrics exactly; the aggregation job compares",
  async () => {
    const out = await projectOutputDir();
    try {
      const file = await writeSweepFile(out.rel, "t222.yaml", testSweepYaml());
      const viaSlurm = await batteryml([
        "sweep",
        file,
        `output.dir=${out.rel}/slurm`,
        "--executor",
        "slurm",
        "--wait",
      ]);
      assert.equal(viaSlurm.code, 0, viaSlurm.stderr);
      assert.match(
        viaSlurm.stderr,
        /8 of 8 points submitted as array job\(s\) \d+ \(MaxArraySize \d+\); aggregation job \d+/,
      );
      assert.match(viaSlurm.stdout, /8 points — 8 FINISHED/);
      const slurmId = sweepIdFrom(viaSlurm.stdout);
      const viaLocal = await batteryml(["sweep", file, `output.dir=${out.rel}/local`, "--workers", "2"]);
      assert.equal(viaLocal.code, 0, viaLocal.stderr);
      const fromSlurm = await pointMetrics(join(out.abs, "slurm"), slurmId);
      const fromLocal = await pointMetrics(join(out.abs, "local"), sweepIdFrom(viaLocal.stdout));
      assert.equal(fromSlurm.size, 8);
      assert.deepEqual(fromSlurm, fromLocal);
      // Each point ran as a Slurm array task, recorded in its state.
      for (let i = 0; i < 8; i++) {
        assert.match(String((await pointState(join(out.abs, "slurm"), slurmId, i))?.slurmJob), /^\d+_\d+$/);
      }
      // The afterany aggregation job wrote the comparison into the sweep folder.
      const compared = JSON.parse(
        await Deno.readTextFile(join(out.abs, "slurm", "sweeps", slurmId, "compare.json")),
      );
      assert.deepEqual(compared.configs.map((c: { summary: { folds: number } }) => c.summary.folds), [4, 4]);
    } finally {
      await out.dispose();
    }
  },
);

slurmTest(
  "slurm: scancel of one running array task, then resume: every point once FINISHED, none twice",
  async () => {
    const out = await projectOutputDir();
    try {
      const gated = "./tests/fixtures/plugins/gated_mean_model.ts";
      const file = await writeSweepFile(out.rel, "gated.yaml", testSweepYaml(["linear", gated]));
      const gate = join(out.abs, "gate");
      await Deno.writeTextFile(gate, "");
      // sbatch exports the submitting environment: the gated points wait in their fit until the gate goes.
      const submitted = await childOutput(
        spawnBatteryml(["sweep", file, `output.dir=${out.rel}`, "--executor", "slurm"], {
          BATTERYML_TEST_FIT_GATE: gate,
        }),
      );
      assert.equal(submitted.code, 0, submitted.stderr);
      const id = submitted.stdout.trim();
      let task = "";
      await waitUntil("point 4 running in its array task", async () => {
        const s = await pointState(out.abs, id, 4);
        task = String(s?.slurmJob ?? "");
        return s?.status === "RUNNING" && s.runId !== undefined;
      });
      const scancel = await new Deno.Command("scancel", { args: [task] }).output();
      assert.ok(scancel.success, `scancel ${task}`);
      await waitUntil(
        "point 4 recorded KILLED",
        async () => (await pointState(out.abs, id, 4))?.status === "KILLED",
      );
      await Deno.remove(gate);
      const record = await sweepRecord(out.abs, id);
      const jobs = [...record.launches[0].arrayJobs!, record.launches[0].aggregateJob!];
      await waitUntil("the first launch's jobs to leave the queue", async () => {
        const q = await new Deno.Command("squeue", { args: ["-h", "-j", jobs.join(",")], stdout: "piped" })
          .output();
        return new TextDecoder().decode(q.stdout).trim() === "";
      });
      const status = JSON.parse(
        (await batteryml(["sweep", "status", id, "--output-dir", out.rel, "--json"])).stdout,
      );
      assert.deepEqual([status.counts.FINISHED, status.counts.KILLED], [7, 1]);
      const resumed = await batteryml([
        "sweep",
        file,
        `output.dir=${out.rel}`,
        "--executor",
        "slurm",
        "--wait",
      ]);
      assert.equal(resumed.code, 0, resumed.stderr);
      assert.match(resumed.stderr, /1 of 8 points submitted/);
      assert.match(resumed.stdout, /8 points — 8 FINISHED/);
      const after = await sweepRecord(out.abs, id);
      assert.deepEqual(
        after.launches.map((l) => l.points),
        [[0, 1, 2, 3, 4, 5, 6, 7], [4]],
      );
      const attempts = await Promise.all(
        after.points.map(async (p) => (await pointState(out.abs, id, p.index))?.attempt),
      );
      assert.deepEqual(attempts, [1, 1, 1, 1, 2, 1, 1, 1]);
      const runs = await runManifests(out.abs);
      const finished = runs.filter((r) => r.status === "FINISHED");
      assert.equal(finished.length, 8, "nothing lost");
      assert.equal(new Set(finished.map((r) => r.configHash)).size, 8, "nothing run twice");
      assert.deepEqual(runs.filter((r) => r.status !== "FINISHED").map((r) => r.status), ["KILLED"]);
    } finally {
      await out.dispose();
    }
  },
);
