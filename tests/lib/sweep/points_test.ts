import assert from "node:assert/strict";
import YAML from "yaml";
import {
  configPoints,
  gridAxes,
  multirunAxis,
  parseSweepSpec,
  splitTopLevel,
  sweepId,
  sweepPoints,
  valueText,
} from "../../../lib/sweep/mod.ts";

Deno.test("multirun: top-level commas make an axis; flow lists, quotes, +key and ~key do not", () => {
  assert.deepEqual(multirunAxis("model.learning_rate=0.05,0.1,0.2"), {
    key: "model.learning_rate",
    values: ["0.05", "0.1", "0.2"],
  });
  assert.equal(multirunAxis("tracking=[local,tensorboard]"), null);
  assert.deepEqual(multirunAxis("tracking=[local,tensorboard],local"), {
    key: "tracking",
    values: ["[local,tensorboard]", "local"],
  });
  assert.equal(multirunAxis('experiment.name="a,b"'), null);
  assert.equal(multirunAxis("+model.x=1,2"), null);
  assert.equal(multirunAxis("~model.x"), null);
  assert.deepEqual(splitTopLevel("{a: 1, b: 2},[3,4]"), ["{a: 1, b: 2}", "[3,4]"]);
});

Deno.test("valueText: YAML reads every value back as the same typed value", () => {
  for (
    const v of ["lgbm", "1", "null", "true", "a,b", "2,2/C", 0.05, 7, true, null, ["1", "5"], { rpts: 4 }]
  ) {
    assert.deepEqual(YAML.parse(valueText(v)), v, `value ${JSON.stringify(v)} → '${valueText(v)}'`);
  }
  assert.equal(valueText("lgbm"), "lgbm");
  assert.equal(valueText("1"), '"1"');
});

Deno.test("points: grid product × seeds × folds, in order, each with its full override list", () => {
  const spec = parseSweepSpec(
    "overrides: [split=loco]\ngrid:\n  model: [dummy, linear]\nseeds: [1, 2]\nfolds: [loco/1/A, loco/5/B]\n",
    "t.yaml",
  );
  const configs = configPoints(gridAxes(spec, []), spec.random);
  assert.deepEqual(configs.map((c) => c.label), ["model=dummy", "model=linear"]);
  const points = sweepPoints(spec.overrides, configs, {
    seeds: spec.seeds!,
    folds: () => spec.folds as string[],
  });
  assert.equal(points.length, 8);
  assert.deepEqual(points[5], {
    index: 5,
    config: "c1",
    seed: 1,
    fold: "loco/5/B",
    overrides: ["split=loco", "model=linear", "experiment.seed=1", 'evaluation.folds=["loco/5/B"]'],
  });
  // Each (config, seed, fold) exactly once.
  assert.equal(new Set(points.map((p) => `${p.config}|${p.seed}|${p.fold}`)).size, 8);
});

Deno.test("points: a command-line axis joins the file's grid and replaces an axis of the same key", () => {
  const spec = parseSweepSpec("grid:\n  model: [dummy, linear]\n  model.alpha: [1]\n", "t.yaml");
  const axes = gridAxes(spec, [multirunAxis("model.alpha=0.1,1,10")!, multirunAxis("pipeline=a,b")!]);
  assert.deepEqual(axes.map((a) => [a.key, a.values.length]), [["model", 2], ["model.alpha", 3], [
    "pipeline",
    2,
  ]]);
  assert.equal(configPoints(axes, undefined).length, 12);
  assert.throws(() => gridAxes(spec, [multirunAxis("experiment.seed=1,2")!]), /list seeds under 'seeds:'/);
});

Deno.test("random search: seeded, within its ranges, combined with every grid point", () => {
  const spec = parseSweepSpec(
    `grid: { model: [lgbm] }
random:
  samples: 50
  seed: 3
  params:
    model.num_leaves: { int: [4, 8] }
    model.feature_fraction: { uniform: [0.5, 1.0] }
    model.lambda_l2: { log_uniform: [0.001, 10] }
    model.boosting: { choice: [gbdt, dart] }
`,
    "t.yaml",
  );
  const a = configPoints(gridAxes(spec, []), spec.random);
  const b = configPoints(gridAxes(spec, []), spec.random);
  assert.deepEqual(a, b, "the same seed draws the same samples");
  assert.equal(a.length, 50);
  const leaves = a.map((c) => Number(c.params["model.num_leaves"]));
  assert.ok(leaves.every((n) => Number.isInteger(n) && n >= 4 && n <= 8));
  assert.deepEqual([...new Set(leaves)].sort(), [4, 5, 6, 7, 8], "50 draws hit every integer of [4, 8]");
  const ff = a.map((c) => Number(c.params["model.feature_fraction"]));
  assert.ok(ff.every((v) => v >= 0.5 && v < 1));
  const l2 = a.map((c) => Math.log10(Number(c.params["model.lambda_l2"])));
  assert.ok(l2.every((v) => v >= -3 && v < 1));
  // Log-uniform: about half of the draws below the geometric middle 10^-1.
  const below = l2.filter((v) => v < -1).length;
  assert.ok(below > 10 && below < 40, `${below} of 50 below 0.1`);
  assert.deepEqual(new Set(a.map((c) => c.params["model.boosting"])), new Set(["gbdt", "dart"]));
  const other = configPoints(gridAxes({ ...spec, random: { ...spec.random!, seed: 4 } }, []), {
    ...spec.random!,
    seed: 4,
  });
  assert.notDeepEqual(other, a, "another seed draws other samples");
});

Deno.test("sweep file: a wrong key or value names the file and the key", () => {
  assert.throws(
    () => parseSweepSpec("grd: {}\n", "configs/sweep/x.yaml"),
    /configs\/sweep\/x\.yaml: key 'grd'/,
  );
  assert.throws(() => parseSweepSpec("seeds: [1, -2]\n", "x.yaml"), /key 'seeds\.1'/);
  assert.throws(() => parseSweepSpec("folds: some\n", "x.yaml"), /key 'folds'/);
  assert.throws(
    () => parseSweepSpec("grid: { model: [] }\n", "x.yaml"),
    /key 'grid\.model'.*at least one value/,
  );
});

Deno.test("sweep id: the same points give the same id; another point list another id", async () => {
  const spec = parseSweepSpec("grid: { model: [dummy, linear] }\n", "t.yaml");
  const points = sweepPoints([], configPoints(gridAxes(spec, []), undefined), {
    seeds: [null],
    folds: () => [null],
  });
  const id = await sweepId("s", "configs", points);
  assert.match(id, /^s-[0-9a-f]{8}$/);
  assert.equal(await sweepId("s", "configs", points), id);
  assert.notEqual(await sweepId("s", "configs", points.slice(1)), id);
});
