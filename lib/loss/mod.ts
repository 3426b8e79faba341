/**
 * Loss numerics on tfjs tensors: per-element errors (MSE, MAE, Huber, MAPE), masked means, and the
 * physics-informed terms (monotone targets, smooth rates). Its own package, apart from lib/train, so a
 * loss plugin loads only tfjs and these functions — not the training engine, whose backend module
 * registers the wasm backend on import (a loss used outside a fit would then find no ready backend).
 */
export * from "./loss_terms.ts";
