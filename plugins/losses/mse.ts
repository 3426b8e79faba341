/** `mse` loss: the masked mean squared error over observed targets. */
import { z } from "zod";
import { defineLoss } from "../../mod.ts";
import { pointwiseLoss } from "./pointwise_loss.ts";

const options = z.strictObject({});

/** The `mse` loss definition. */
const mse = defineLoss({
  kind: "loss",
  name: "mse",
  version: "1.0.0",
  apiVersion: 1,
  description: "Mean squared error over observed (unmasked) targets.",
  options,
  create: () => pointwiseLoss({ kind: "mse" }),
});
export default mse;
