/**
 * Instance shape checks (core/plugin.ts): a model needs state/restore (save/load are gone), a pipeline
 * restore; a tracker needs only start, metrics and end, and an optional method that is present must be one.
 */
import assert from "node:assert/strict";
import { instanceProblems } from "../../core/plugin.ts";

const fn = () => {};

Deno.test("a model of the old contract (save/load) lacks state and restore", () => {
  assert.deepEqual(instanceProblems("model", { fit: fn, predict: fn, save: fn, load: fn }), [
    "instance has no method 'state'",
    "instance has no method 'restore'",
  ]);
  assert.deepEqual(instanceProblems("model", { fit: fn, predict: fn, state: fn, restore: fn }), []);
  assert.deepEqual(instanceProblems("pipeline", { fit: fn, load: fn }), ["instance has no method 'restore'"]);
});

Deno.test("a tracker needs start, metrics and end; optional methods, when present, are methods", () => {
  assert.deepEqual(instanceProblems("tracker", { start: fn, metrics: fn, end: fn }), []);
  assert.deepEqual(instanceProblems("tracker", { start: fn, end: fn, text: fn }), [
    "instance has no method 'metrics'",
  ]);
  assert.deepEqual(instanceProblems("tracker", { start: fn, metrics: fn, end: fn, figure: 42 }), [
    "instance's optional 'figure' is number 42, expected a method or nothing",
  ]);
});
