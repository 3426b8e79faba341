/**
 * Text helpers for messages: "did you mean …?" suggestions for mistyped names.
 */
export * from "./did_you_mean.ts";
