/** `mape` loss: mean of |ŷ − y| / max(|y|, ε) over observed targets, as a fraction (not percent). */
import { z } from "zod";
import { defineLoss } from "../../mod.ts";
import { pointwiseLoss } from "./pointwise_loss.ts";

const options = z.strictObject({ epsilon: z.number().positive().default(1e-6) });

/** The `mape` loss definition. */
const mape = defineLoss({
  kind: "loss",
  name: "mape",
  version: "1.0.0",
  apiVersion: 1,
  description: "Mean absolute percentage error (a fraction); |y| floored at epsilon.",
  options,
  create: (o) => pointwiseLoss({ kind: "mape", epsilon: o.epsilon }),
});
export default mape;
