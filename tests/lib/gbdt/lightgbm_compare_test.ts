/**
 * Quality against the real LightGBM CLI (built by the peer kit's setup.sh). Skipped with a message when
 * the binary is absent, except on CI (CI=true), where a missing binary is a failure.
 */
import { assert } from "./assert.ts";
import { trainGbdt } from "../../../lib/gbdt/mod.ts";
import { friedman, rmse } from "./fixtures.ts";

const home = Deno.env.get("BENCH_HOME") ?? `${Deno.env.get("HOME")}/.cache/batteryml-bench`;
const LIGHTGBM = `${home}/bin/lightgbm`;
const present = (() => {
  try {
    return Deno.statSync(LIGHTGBM).isFile;
  } catch {
    return false;
  }
})();
const onCi = Deno.env.get("CI") === "true";
if (!present && !onCi) console.warn(`lightgbm_compare_test: ${LIGHTGBM} not found, comparison ignored`);

const ROUNDS = 50, PARAMS = { learning_rate: 0.1, num_leaves: 31, max_bin: 255, min_data_in_leaf: 20 };

/** Rounds to 8 decimals so both engines train on exactly the values in the CSV. */
function toCsv(data: ReturnType<typeof friedman>): string {
  const lines = ["y," + Array.from({ length: data.x.cols }, (_, j) => `x${j}`).join(",")];
  for (let i = 0; i < data.x.rows; i++) {
    const row = Array.from(
      data.x.values.subarray(i * data.x.cols, (i + 1) * data.x.cols),
      (v) => v.toFixed(8),
    );
    lines.push([data.y[i].toFixed(6), ...row].join(","));
  }
  return lines.join("\n") + "\n";
}

function roundTrip(data: ReturnType<typeof friedman>) {
  return {
    x: { ...data.x, values: data.x.values.map((v) => Number(v.toFixed(8))) },
    y: data.y.map((v) => Number(v.toFixed(6))),
  };
}

async function lightgbm(dir: string, conf: string): Promise<void> {
  await Deno.writeTextFile(`${dir}/run.conf`, conf);
  const out = await new Deno.Command(LIGHTGBM, {
    args: ["config=run.conf"],
    cwd: dir,
    stdout: "piped",
    stderr: "piped",
  })
    .output();
  if (!out.success) throw new Error(`lightgbm failed: ${new TextDecoder().decode(out.stderr)}`);
}

Deno.test({
  name: "lightgbm: test RMSE within 5 % of the LightGBM CLI on a small Friedman #1 set",
  ignore: !present && !onCi,
  async fn() {
    assert(present, `${LIGHTGBM} is missing (CI=true): run shared/bench/setup.sh`);
    const train = roundTrip(friedman(2000, 21, 20)), test = roundTrip(friedman(1000, 22, 20));
    const dir = await Deno.makeTempDir({ prefix: "gbdt_lgb_" });
    try {
      await Deno.writeTextFile(`${dir}/train.csv`, toCsv(train));
      await Deno.writeTextFile(`${dir}/test.csv`, toCsv(test));
      const common = "header=true\nlabel_column=name:y\nnum_threads=1\nverbosity=-1\n";
      const settings = Object.entries(PARAMS).map(([k, v]) => `${k}=${v}`).join("\n");
      await lightgbm(
        dir,
        `${common}task=train\nobjective=regression\ndata=train.csv\nnum_iterations=${ROUNDS}\n${settings}\n` +
          "lambda_l2=0\noutput_model=model.txt\n",
      );
      await lightgbm(
        dir,
        `${common}task=predict\ndata=test.csv\ninput_model=model.txt\noutput_result=pred.txt\n`,
      );
      const theirs = (await Deno.readTextFile(`${dir}/pred.txt`)).trim().split("\n").map(Number);
      const theirRmse = rmse(theirs, test.y);
      const ourRmse = rmse(trainGbdt(train, { ...PARAMS, num_iterations: ROUNDS }).predict(test.x), test.y);
      assert(
        Math.abs(ourRmse - theirRmse) <= 0.05 * theirRmse,
        `our RMSE ${ourRmse.toFixed(4)} vs LightGBM ${theirRmse.toFixed(4)}`,
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
