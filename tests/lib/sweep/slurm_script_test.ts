import assert from "node:assert/strict";
import {
  aggregateScript,
  arrayScript,
  chunkPoints,
  parseMaxArraySize,
  shellQuote,
  slurmOptionsSchema,
} from "../../../lib/sweep/mod.ts";

Deno.test("chunks: at most MaxArraySize tasks per array job, every point once, in order", () => {
  const points = Array.from({ length: 2503 }, (_, i) => i * 2);
  const chunks = chunkPoints(points, 1001);
  assert.deepEqual(chunks.map((c) => c.length), [1001, 1001, 501]);
  assert.deepEqual(chunks.flat(), points);
  assert.deepEqual(chunkPoints([], 5), []);
  assert.throws(() => chunkPoints([1], 0), /MaxArraySize must be ≥ 1/);
});

Deno.test("MaxArraySize is read from `scontrol show config`", () => {
  const config = "Configuration data as of 2026-12-06T17:00:00\nMailProg                = /bin/true\n" +
    "MaxArraySize            = 1001\nMaxJobCount             = 10000\n";
  assert.equal(parseMaxArraySize(config), 1001);
  assert.throws(() => parseMaxArraySize("MaxJobCount = 3\n"), /no MaxArraySize/);
});

Deno.test("array script: one task per point, the sbatch options, the point command with $POINT", () => {
  const options = slurmOptionsSchema.parse({
    partition: "gpu",
    time: "00:30:00",
    mem: "4G",
    cpus_per_task: 2,
    account: "proj1",
    extra: ["--qos=short", "#SBATCH --constraint=avx2"],
  });
  const text = arrayScript({
    sweepId: "s-1234abcd",
    sweepDir: "/shared/out/sweeps/s-1234abcd",
    cwd: "/home/me/my project",
    points: [3, 5, 9],
    chunk: 1,
    options,
    pointCommand: [
      "/usr/bin/deno",
      "run",
      "main.ts",
      "sweep",
      "point",
      "/shared/out/sweeps/s-1234abcd",
      "$POINT",
    ],
    env: { POLARS_MAX_THREADS: "1" },
  });
  const lines = text.split("\n");
  for (
    const l of [
      "#SBATCH --array=0-2",
      "#SBATCH --partition=gpu",
      "#SBATCH --time=00:30:00",
      "#SBATCH --mem=4G",
      "#SBATCH --cpus-per-task=2",
      "#SBATCH --account=proj1",
      "#SBATCH --qos=short",
      "#SBATCH --constraint=avx2",
      "POINTS=(3 5 9)",
      "cd '/home/me/my project'",
      "export POLARS_MAX_THREADS=1",
    ]
  ) assert.ok(lines.includes(l), `missing line: ${l}\n${text}`);
  assert.ok(
    text.includes('exec /usr/bin/deno run main.ts sweep point /shared/out/sweeps/s-1234abcd "$POINT"'),
  );
  // Every #SBATCH line precedes the first command (sbatch stops reading them there).
  const firstCommand = lines.findIndex((l) => l && !l.startsWith("#"));
  assert.ok(lines.slice(firstCommand).every((l) => !l.startsWith("#SBATCH")));
  const agg = aggregateScript({
    sweepId: "s-1234abcd",
    sweepDir: "/shared/out/sweeps/s-1234abcd",
    cwd: "/p",
    options,
    aggregateCommand: ["deno", "run", "main.ts", "sweep", "aggregate", "/x/sweeps/s-1234abcd"],
    env: {},
  });
  assert.ok(agg.includes("#SBATCH --cpus-per-task=1"), "the aggregation needs one CPU");
  assert.ok(agg.includes("exec deno run main.ts sweep aggregate /x/sweeps/s-1234abcd"));
});

Deno.test("shellQuote survives bash", async () => {
  const words = ["plain", "with space", "it's", "$HOME", "a;b", "*"];
  const out = await new Deno.Command("bash", {
    args: ["-c", `printf '%s\\n' ${words.map(shellQuote).join(" ")}`],
    stdout: "piped",
  }).output();
  assert.deepEqual(new TextDecoder().decode(out.stdout).trimEnd().split("\n"), words);
});
