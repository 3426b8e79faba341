/**
 * Small dense linear algebra: ridge / minimum-norm least squares through a Jacobi SVD.
 */
export * from "./ridge.ts";
