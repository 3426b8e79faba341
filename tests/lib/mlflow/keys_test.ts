import assert from "node:assert/strict";
import {
  keyProblem,
  normalisePosix,
  safeArtifactPath,
  sanitizeKey,
  truncateValue,
  validateKey,
} from "../../../lib/mlflow/keys.ts";
import { MlflowRequestError } from "../../../lib/mlflow/_errors.ts";

Deno.test("valid keys follow MLflow's pattern and normpath rule", () => {
  for (const key of ["rmse", "loss/train", "fold-1.rmse", "a b", "x_y/z"]) {
    assert.equal(keyProblem(key), undefined, key);
  }
  for (const key of ["", "a//b", "/a", "a/", "./a", "a/../b", "a:b", "°C", "a\nb", "x".repeat(251)]) {
    assert.notEqual(keyProblem(key), undefined, JSON.stringify(key));
  }
  assert.throws(
    () => validateKey("a//b"),
    (e) => e instanceof MlflowRequestError && e.errorCode === "INVALID_PARAMETER_VALUE",
  );
});

Deno.test("sanitizeKey always yields a valid key", () => {
  const cases: Record<string, string> = {
    "chamber °C": "chamber _C",
    "rmse:25C": "rmse_25C",
    "/a//b/./c/": "a/b/c",
    "../../etc/passwd": "etc/passwd",
    "": "_",
  };
  for (const [input, expected] of Object.entries(cases)) assert.equal(sanitizeKey(input), expected);
  for (const input of [...Object.keys(cases), "x/".repeat(200), "é".repeat(300)]) {
    assert.equal(keyProblem(sanitizeKey(input)), undefined, input);
  }
});

Deno.test("normalisePosix matches posixpath.normpath on key-like paths", () => {
  const cases: Record<string, string> = {
    "a/./b": "a/b",
    "a//b": "a/b",
    "a/../..": "..",
    "/../a": "/a",
    "": ".",
  };
  for (const [input, expected] of Object.entries(cases)) assert.equal(normalisePosix(input), expected, input);
});

Deno.test("artifact paths stay inside the artifact folder; long values are cut visibly", () => {
  assert.equal(safeArtifactPath("figures\\a.png"), "figures/a.png");
  assert.throws(() => safeArtifactPath("../x"), MlflowRequestError);
  assert.throws(() => safeArtifactPath("/etc/x"), MlflowRequestError);
  const cut = truncateValue("x".repeat(600), 500);
  assert.equal(cut.value.length, 500);
  assert.ok(cut.truncated && cut.value.endsWith("..."));
  assert.deepEqual(truncateValue("short", 500), { value: "short", truncated: false });
});
