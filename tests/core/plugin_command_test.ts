/** The `commands` a dataset plugin contributes: malformed ones are rejected by the loader's shape check. */
import assert from "node:assert/strict";
import { z } from "zod";
import { PluginError } from "../../core/errors.ts";
import { validateDefinition } from "../../core/loader.ts";
import m50t from "../../plugins/datasets/m50t.ts";

function datasetWith(commands: unknown) {
  return {
    default: {
      kind: "dataset",
      name: "tiny",
      version: "1.0.0",
      apiVersion: 1,
      options: z.object({}),
      create: () => ({}),
      commands,
    },
  };
}

Deno.test("a definition with well-formed commands passes; the m50t plugin contributes synth, check, fetch", () => {
  const run = () => Promise.resolve(0);
  const def = validateDefinition(
    "tiny",
    datasetWith({ count: { brief: "Count", flags: {}, run } }),
    "dataset",
  );
  assert.deepEqual(Object.keys(def.commands ?? {}), ["count"]);
  assert.deepEqual(Object.keys(m50t.commands ?? {}).sort(), ["check", "fetch", "synth"]);
});

Deno.test("malformed commands are rejected naming the command and what is wrong", () => {
  const cases: [unknown, string][] = [
    [[], "'commands' is not an object of named commands"],
    [{ Count: { brief: "b", flags: {}, run: () => {} } }, "command 'Count': expected a lower-case name"],
    [{ count: { flags: {}, run: () => {} } }, "command 'count': 'brief' is not a string"],
    [{ count: { brief: "b", flags: {} } }, "command 'count': 'run' is not a function"],
    [{ count: { brief: "b", run: () => {} } }, "command 'count': 'flags' is not an object"],
    [
      { count: { brief: "b", flags: { n: { kind: "int", brief: "n" } }, run: () => {} } },
      "command 'count' flag 'n': 'kind' is not string, number or boolean",
    ],
  ];
  for (const [commands, message] of cases) {
    assert.throws(
      () => validateDefinition("tiny", datasetWith(commands), "dataset"),
      (e: Error) => e instanceof PluginError && e.message === `plugin 'tiny': invalid definition: ${message}`,
      message,
    );
  }
});
