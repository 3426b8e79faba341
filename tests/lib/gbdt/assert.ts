/** Minimal assertions for the gbdt tests (the Deno standard library lives on JSR, which CI cannot reach). */
import nodeAssert from "node:assert/strict";

/** Fails unless `cond` is truthy. */
export function assert(cond: unknown, message?: string): asserts cond {
  nodeAssert.ok(cond, message ?? "assertion failed");
}

/** Deep strict equality. */
export function assertEquals<T>(actual: T, expected: T, message?: string): void {
  nodeAssert.deepStrictEqual(actual, expected, message ?? "values differ");
}

/** |actual − expected| ≤ tolerance. */
export function assertClose(actual: number, expected: number, tolerance = 1e-9, message?: string): void {
  if (!(Math.abs(actual - expected) <= tolerance)) {
    throw new Error(`${message ?? "not close"}: ${actual} vs ${expected} (tolerance ${tolerance})`);
  }
}

/** Fails unless `fn` throws. */
export function assertThrows(fn: () => unknown, pattern?: RegExp): void {
  if (pattern) nodeAssert.throws(fn, pattern);
  else nodeAssert.throws(fn);
}
