/**
 * Every built-in plugin passes the contract suite of its kind — the same suites `batteryml plugins test`
 * runs on third-party plugins. Plugins that need options (a data root, a log folder) get test ones.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { runContract } from "../../testing/mod.ts";
import { builtinNames, loadPlugin } from "../../core/loader.ts";
import { PLUGIN_KINDS } from "../../core/plugin.ts";
import { REAL_DATA } from "../fixtures/env.ts";

const tmp = await Deno.makeTempDir({ prefix: "batteryml-contracts-" });
const csv = join(tmp, "tidy.csv");
await Deno.writeTextFile(
  csv,
  [
    "cell,rpt,temp_C,throughput,soh",
    ...[["a", 10], ["b", 25], ["c", 40]].flatMap(([c, t]) =>
      [0, 1, 2, 3].map((r) => `${c},${r},${t},${r * 100},${1 - 0.01 * r}`)
    ),
  ].join("\n") + "\n",
);

/** Options for plugins that cannot run on their defaults here. */
const OPTIONS: Record<string, unknown> = {
  "dataset/m50t": { root: REAL_DATA, experiment: "1" },
  "dataset/csv_table": {
    path: csv,
    cellColumn: "cell",
    rptColumn: "rpt",
    chamberColumn: "temp_C",
    features: ["throughput"],
    targets: ["soh"],
  },
  "split/cross_experiment": { train: ["1"], test: ["5"] },
  "tracker/tensorboard": { logdir: join(tmp, "tb"), flush_secs: 0 },
  "tracker/mlflow": { tracking_uri: `file:${join(tmp, "mlruns")}` },
};

for (const kind of PLUGIN_KINDS) {
  for (const name of builtinNames()[kind]) {
    Deno.test(`${kind} '${name}' passes the ${kind} contract`, async () => {
      const results = await runContract(await loadPlugin(name, kind), OPTIONS[`${kind}/${name}`] ?? {});
      assert.ok(results.length >= 1);
      for (const r of results) assert.ok(r.ok, `${r.name}: ${r.message}`);
    });
  }
}

Deno.test("dataset 'm50t' passes the dataset contract on synthetic data with 0.1C curves", async () => {
  // Expt 1's real files have no curves: this run makes the curves() check read some.
  const options = { experiment: "5", synthetic: { seed: 7, curves: true } };
  const results = await runContract(await loadPlugin("m50t", "dataset"), options);
  for (const r of results) assert.ok(r.ok, `${r.name}: ${r.message}`);
});
