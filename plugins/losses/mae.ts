/** `mae` loss: the masked mean absolute error over observed targets. */
import { z } from "zod";
import { defineLoss } from "../../mod.ts";
import { pointwiseLoss } from "./pointwise_loss.ts";

const options = z.strictObject({});

/** The `mae` loss definition. */
const mae = defineLoss({
  kind: "loss",
  name: "mae",
  version: "1.0.0",
  apiVersion: 1,
  description: "Mean absolute error over observed (unmasked) targets.",
  options,
  create: () => pointwiseLoss({ kind: "mae" }),
});
export default mae;
