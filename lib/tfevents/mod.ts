/**
 * TensorBoard event files without TensorFlow: an append-only event writer (scalars, histograms, images,
 * text) and the HParams plugin's records.
 */
export * from "./event_writer.ts";
export * from "./hparams.ts";
