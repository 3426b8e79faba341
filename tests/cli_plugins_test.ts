/**
 * `batteryml plugins test` as a plugin author runs it: under the `batteryml` task's own permissions (it may
 * write the project folder, not the system temp folder), for a built-in of every kind.
 */
import assert from "node:assert/strict";
import { batteryml } from "./robustness/_runs.ts";

for (const spec of ["m50t", "temperature_holdout", "summary_set", "lgbm", "mse", "tensorboard"]) {
  Deno.test(`plugins test ${spec} passes under the task's own permissions`, async () => {
    const r = await batteryml(["plugins", "test", spec]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^\d+ passed, 0 failed$/m, r.stdout);
    assert.doesNotMatch(r.stdout, /^FAIL/m, r.stdout);
  });
}
