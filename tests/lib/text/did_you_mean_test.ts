/** Edit distance against hand-counted edits, and which names count as a typo. */
import assert from "node:assert/strict";
import { closestNames, didYouMean, editDistance } from "../../../lib/text/did_you_mean.ts";

Deno.test("editDistance counts insertions, deletions, substitutions and adjacent transpositions", () => {
  const cases: [string, string, number][] = [
    ["", "", 0],
    ["", "abc", 3], // three insertions
    ["kitten", "sitting", 3], // k→s, e→i, +g
    ["modle", "model", 1], // l↔e swapped
    ["lgmb", "lgbm", 1], // m↔b swapped
    ["num_leafs", "num_leaves", 2], // f→v, +e
    ["ca", "abc", 3], // optimal string alignment does not edit a transposed pair again
    ["epoch", "epochs", 1],
  ];
  for (const [a, b, d] of cases) {
    assert.equal(editDistance(a, b), d, `${a} → ${b}`);
    assert.equal(editDistance(b, a), d, `${b} → ${a}`);
  }
});

Deno.test("closestNames keeps every name at the smallest distance within a third of the word, else none", () => {
  assert.deepEqual(closestNames("modle", ["model", "mode", "data"]), ["mode", "model"]);
  assert.deepEqual(closestNames("lgmb", ["lgbm", "linear", "mlp"]), ["lgbm"]);
  assert.deepEqual(closestNames("zzzz", ["lgbm", "mlp"]), []);
  assert.deepEqual(closestNames("model", ["model"]), []); // the word itself is no suggestion
  assert.equal(
    didYouMean("num_leafs", ["num_leaves", "num_iterations"], "model."),
    "did you mean 'model.num_leaves'?",
  );
});
