/**
 * Mistyped config keys, groups and group values through the CLI as a user runs it (`deno task batteryml`):
 * exit code 1, one `error:` line that names the key and suggests the nearest valid name.
 */
import assert from "node:assert/strict";
import { batteryml } from "./robustness/_runs.ts";

const CASES: { args: string[]; key: string; suggestion: string }[] = [
  { args: ["config", "show", "modle=mlp"], key: "modle", suggestion: "model" },
  { args: ["config", "show", "modle.hidden=3"], key: "modle", suggestion: "model" },
  { args: ["config", "show", "model.num_leafs=3"], key: "model", suggestion: "model.num_leaves" },
  {
    args: ["config", "show", "model=mlp", "model.activaton=tanh"],
    key: "model",
    suggestion: "model.activation",
  },
  { args: ["config", "show", "model=lgmb"], key: "model", suggestion: "lgbm" },
  { args: ["config", "show", "training.epoch=5"], key: "training.epoch", suggestion: "training.epochs" },
  {
    args: ["run", "model.num_leafs=3", "tracking=null"],
    key: "model",
    suggestion: "model.num_leaves",
  },
  { args: ["run", "modle=mlp", "tracking=null"], key: "modle", suggestion: "model" },
];

for (const c of CASES) {
  Deno.test(`${c.args.join(" ")} → did you mean '${c.suggestion}'?`, async () => {
    const r = await batteryml(c.args);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stdout, "");
    const lines = r.stderr.trimEnd().split("\n");
    assert.equal(lines.length, 1, r.stderr);
    assert.ok(lines[0].startsWith(`error: config key '${c.key}'`), lines[0]);
    assert.ok(lines[0].includes(`did you mean '${c.suggestion}'?`), lines[0]);
  });
}

Deno.test("a value far from every name gets no suggestion, only the list of what exists", async () => {
  const r = await batteryml(["config", "show", "model=zzzzzz"]);
  assert.equal(r.code, 1);
  assert.doesNotMatch(r.stderr, /did you mean/);
  assert.match(r.stderr, /^error: config key 'model': no config 'zzzzzz': expected one of .*lgbm/);
});

Deno.test("a mistyped group in config.yaml's defaults names the key and suggests the group", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/config.yaml`, "defaults:\n  modle: lgbm\n");
    const r = await batteryml(["config", "show", "--config-dir", dir]);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(
      r.stderr,
      "error: config key 'defaults.modle': unknown config group; did you mean 'model'?\n",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
