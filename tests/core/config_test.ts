import assert from "node:assert/strict";
import { applyOverride, composeConfig, configHash, makeRunId, parseOverride } from "../../core/config.ts";
import { ConfigError } from "../../core/errors.ts";
import { makeConfigDir } from "../fixtures/config_dir.ts";

const compose = async (overrides: string[], extra: Record<string, string> = {}) =>
  composeConfig({ configDir: await makeConfigDir(extra), overrides });

async function configError(p: Promise<unknown>, key: string, pattern: RegExp): Promise<void> {
  const err = await p.then(() => undefined, (e) => e);
  assert.ok(err instanceof ConfigError, `expected ConfigError, got ${err}`);
  assert.equal(err.keyPath, key);
  assert.match(err.message, pattern);
}

Deno.test("defaults compose into a validated config with schema defaults filled in", async () => {
  const { config, selections } = await compose([]);
  assert.equal(config.model.use, "dummy");
  assert.equal(config.training.epochs, 10);
  assert.equal(config.training.batch_size, 32); // schema default
  assert.equal(config.loss, null);
  assert.deepEqual(config.tracking, [{ use: "local" }]);
  assert.equal(selections.model, "dummy");
});

Deno.test("overrides set, add and remove keys; values parse as YAML scalars and flow lists", async () => {
  const { config } = await compose([
    "training.epochs=5",
    "training.learning_rate=3e-4",
    "+data.extra=[1, 2]",
    "~data.rpts",
    "experiment.name=run one",
  ]);
  assert.equal(config.training.epochs, 5);
  assert.equal(config.training.learning_rate, 3e-4);
  assert.deepEqual(config.data.extra, [1, 2]);
  assert.equal("rpts" in config.data, false);
  assert.equal(config.experiment.name, "run one");
});

Deno.test("a group override selects another file; tracking presets expand into a list", async () => {
  const { config } = await compose(["tracking=both", "model=./x/my_model.ts"]);
  assert.deepEqual(config.tracking, [{ use: "local" }, { use: "local", flush_every: 1 }]);
  assert.equal(config.model.use, "./x/my_model.ts");
  const two = await compose(["tracking=[local, local_fast]", "tracking.1.flush_every=3"]);
  assert.equal(two.config.tracking[1].flush_every, 3);
  const none = await compose(["tracking=null"]);
  assert.deepEqual(none.config.tracking, []);
});

Deno.test("errors name the key, the value found and what was expected", async () => {
  await configError(compose(["training.epochs=abc"]), "training.epochs", /expected number.*found "abc"/);
  await configError(compose(["training.optimizer=rmsprop"]), "training.optimizer", /adamw.*found "rmsprop"/);
  await configError(compose(["training.epochs=0"]), "training.epochs", />=\s*1|too small/i);
  await configError(compose(["+training.epochs=3"]), "training.epochs", /already set/);
  await configError(compose(["~training.nope"]), "training.nope", /not set/);
  await configError(compose(["training.nope=1"]), "training.nope", /unrecognized key/i);
  await configError(compose(["nosuch.key=1"]), "nosuch", /no section 'nosuch'/);
  await configError(compose(["model=nosuch"]), "model", /no config 'nosuch'.*dummy/);
  await configError(compose(["justtext"]), "", /key=value/);
});

Deno.test("a group file that is not a mapping or lacks 'use' is refused with the file named", async () => {
  await configError(
    compose(["model=bad"], { "model/bad.yaml": "- a\n- b\n" }),
    "model",
    /must hold a mapping/,
  );
  await configError(
    compose(["model=nouse"], { "model/nouse.yaml": "lr: 1\n" }),
    "model.use",
    /must set 'use'/,
  );
  await configError(
    compose(["model=broken"], { "model/broken.yaml": "a: [1,\n" }),
    "model",
    /not valid YAML/,
  );
});

Deno.test("the hash ignores tracking and output but changes with anything else", async () => {
  const base = await compose([]);
  const tracked = await compose(["tracking=both", "output.dir=/elsewhere"]);
  const other = await compose(["training.epochs=11"]);
  assert.equal(base.hash, tracked.hash);
  assert.notEqual(base.hash, other.hash);
  assert.equal(base.hash, await configHash(base.config));
  assert.match(base.hash, /^[0-9a-f]{64}$/);
});

Deno.test("key order in files does not change the hash (canonical JSON)", async () => {
  const a = await compose([], {
    "data/tiny.yaml": `use: ${(await compose([])).config.data.use}\nrpts: 5\nb: 1\na: 2\n`,
  });
  const b = await compose([], { "data/tiny.yaml": `a: 2\nb: 1\nrpts: 5\nuse: ${a.config.data.use}\n` });
  assert.equal(a.hash, b.hash);
});

Deno.test("run ids are <UTC stamp>-<hash8>-<rand4>", () => {
  const id = makeRunId("abcdef0123456789", new Date(Date.UTC(2026, 10, 27, 9, 5, 3)));
  assert.match(id, /^20261127T090503Z-abcdef01-[0-9a-f]{4}$/);
});

Deno.test("override parsing: add, remove, list index, empty value", () => {
  assert.deepEqual(parseOverride("+a.b=1"), { op: "add", path: ["a", "b"], value: 1, text: "+a.b=1" });
  assert.deepEqual(parseOverride("~a.b"), { op: "remove", path: ["a", "b"], text: "~a.b" });
  const tree: Record<string, unknown> = { a: { list: [1, 2, 3] } };
  applyOverride(tree, parseOverride("a.list=[4]"));
  assert.deepEqual(tree.a, { list: [4] });
  applyOverride(tree, parseOverride("a.s="));
  assert.equal((tree.a as Record<string, unknown>).s, "");
  assert.throws(() => parseOverride("a..b=1"), ConfigError);
});
