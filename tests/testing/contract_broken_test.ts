/**
 * Contracts that can fail (issue 11, item 7): each kind's suite exercises every method of its instance
 * contract (core/plugin.ts) with a check named after it, and a plugin with exactly that method broken is
 * reported failed on that check — while the same fixture unbroken passes every check. The fixtures are
 * under tests/fixtures/plugins/contract_<kind>.ts, with a `broken` option naming the method to break.
 */
import assert from "node:assert/strict";
import { resolve } from "node:path";
import type { CheckResult } from "../../testing/mod.ts";
import { runContract } from "../../testing/mod.ts";
import { loadPlugin, runInProcess } from "../../core/loader.ts";
import { INSTANCE_METHODS, type PluginKind } from "../../core/plugin.ts";
import { BROKEN_DATASET_METHODS } from "../fixtures/plugins/contract_dataset.ts";
import { BROKEN_LOSS_METHODS } from "../fixtures/plugins/contract_loss.ts";
import { BROKEN_MODEL_METHODS } from "../fixtures/plugins/contract_model.ts";
import { BROKEN_PIPELINE_METHODS } from "../fixtures/plugins/contract_pipeline.ts";
import { BROKEN_SPLIT_METHODS } from "../fixtures/plugins/contract_split.ts";
import { BROKEN_TRACKER_METHODS } from "../fixtures/plugins/contract_tracker.ts";

const FIXTURES = resolve(import.meta.dirname!, "../fixtures/plugins");
// The suites are tested on the plugins as written (a loss, a Map in a state): in-process, not sandboxed.
runInProcess(
  ...["dataset", "split", "pipeline", "model", "loss", "tracker"].map((k) =>
    resolve(FIXTURES, `contract_${k}.ts`)
  ),
);

/** Per kind: the methods its fixture can break (beyond "none"), optional ones and the fitted pipeline's included. */
const BROKEN: Record<PluginKind, readonly string[]> = {
  dataset: BROKEN_DATASET_METHODS,
  split: BROKEN_SPLIT_METHODS,
  pipeline: BROKEN_PIPELINE_METHODS,
  model: BROKEN_MODEL_METHODS,
  loss: BROKEN_LOSS_METHODS,
  tracker: BROKEN_TRACKER_METHODS,
};

/** Methods a suite must exercise beyond the required ones of INSTANCE_METHODS. */
const ALSO_EXERCISED: Record<PluginKind, readonly string[]> = {
  dataset: ["warnings"],
  split: [],
  pipeline: ["transform", "state"],
  model: ["explain", "importance"],
  loss: ["layouts"],
  tracker: ["params", "text", "figure", "artifact", "histogram"],
};

/** Why each broken method's check fails: the fault itself, not something incidental. */
const REASON: Record<string, RegExp> = {
  "dataset/cells": /cellKeys are not unique/,
  "dataset/table": /table holds cells not asked for/,
  "dataset/curves": /curve of t\/B RPT 0: asked for cell t\/A/,
  "dataset/fingerprint": /is not a sha256 hex digest/,
  "split/folds": /tests on training cells/,
  "pipeline/fit": /cell '5\/ZZ' is outside this view/,
  "pipeline/transform": /samples differ alone vs with/,
  "pipeline/state": /state\.fittedAt is a Date; a state holds JSON values, typed arrays/,
  "pipeline/restore": /samples after restore\(\) differ/,
  "model/fit": /fit\(\) reports validationLoss = NaN/,
  "model/predict": /yShape is \[16,1,2\], expected \[16,1,1\]/,
  "model/state": /state\.fitted is a Map; a state holds JSON values, typed arrays/,
  "model/restore": /predictions after restore\(\) differ/,
  "model/explain": /explain\(\) gives 16 values for 'soh', expected N·F = 32/,
  "model/importance": /importance names 'intercept', not a feature/,
  "loss/compute": /changing a masked step changed the loss/,
};

const forMethod = (results: CheckResult[], method: string) =>
  results.filter((r) => r.name.startsWith(`${method}()`) || r.name.startsWith(`${method} (optional)`));

async function contractOf(kind: PluginKind, broken: string): Promise<CheckResult[]> {
  const loaded = await loadPlugin(resolve(FIXTURES, `contract_${kind}.ts`), kind);
  return await runContract(loaded, { broken });
}

for (const kind of Object.keys(BROKEN) as PluginKind[]) {
  Deno.test(`${kind} contract: a check per method, and the unbroken fixture passes them all`, async () => {
    const results = await contractOf(kind, "none");
    for (const method of [...INSTANCE_METHODS[kind], ...ALSO_EXERCISED[kind]]) {
      assert.ok(
        forMethod(results, method).length > 0,
        `no check exercises ${method}(): ${results.map((r) => r.name)}`,
      );
    }
    for (const r of results) assert.ok(r.ok, `${r.name}: ${r.message}`);
  });

  for (const method of BROKEN[kind].filter((m) => m !== "none")) {
    Deno.test(`${kind} contract: a broken ${method}() fails the ${method}() check`, async () => {
      const results = await contractOf(kind, method);
      const failed = forMethod(results, method).filter((r) => !r.ok);
      assert.ok(
        failed.length > 0,
        `no ${method}() check failed:\n${
          results.map((r) => `${r.ok ? "ok  " : "FAIL"} ${r.name}`).join("\n")
        }`,
      );
      const reason = REASON[`${kind}/${method}`] ??
        new RegExp(`^${method}: request rejected by the backend$`);
      assert.ok(
        failed.some((r) => reason.test(r.message ?? "")),
        `no ${method}() check failed for the broken method's reason ${reason}: ${
          failed.map((r) => r.message)
        }`,
      );
    });
  }
}
