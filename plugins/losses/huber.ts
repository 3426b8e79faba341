/** `huber` loss: ½e² for |e| ≤ δ, δ(|e| − ½δ) beyond (torch.nn.HuberLoss), masked mean. */
import { z } from "zod";
import { defineLoss } from "../../mod.ts";
import { pointwiseLoss } from "./pointwise_loss.ts";

const options = z.strictObject({ delta: z.number().positive().default(1.0) });

/** The `huber` loss definition. */
const huber = defineLoss({
  kind: "loss",
  name: "huber",
  version: "1.0.0",
  apiVersion: 1,
  description: "Huber loss with threshold delta over observed targets.",
  options,
  create: (o) => pointwiseLoss({ kind: "huber", delta: o.delta }),
});
export default huber;
