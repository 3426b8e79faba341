/** The network models' FitResult: a fit without a finite validation loss (the refit) reports none, not NaN. */
import assert from "node:assert/strict";
import { networkFitResult } from "../../../plugins/models/network_fit_result.ts";
import type { TrainResult } from "../../../lib/train/mod.ts";

const trained = (bestValLoss: number): TrainResult => ({
  bestEpoch: 3,
  bestValLoss,
  epochsRun: 3,
  stoppedEarly: false,
  history: { train_loss: [0.3, 0.2, 0.1], val_loss: [NaN, NaN, NaN] },
  batchesPerEpoch: 2,
  stepsRun: 6,
  bestSteps: 6,
} as TrainResult);

Deno.test("networkFitResult: no validation → no validationLoss; a finite one passes through", () => {
  assert.equal(networkFitResult(trained(NaN)).validationLoss, undefined);
  assert.equal("validationLoss" in JSON.parse(JSON.stringify(networkFitResult(trained(NaN)))), false);
  assert.equal(networkFitResult(trained(0.125)).validationLoss, 0.125);
  assert.deepEqual(
    { ...networkFitResult(trained(0.125)), history: undefined },
    {
      bestIteration: 3,
      validationLoss: 0.125,
      history: undefined,
      optimizerSteps: 6,
      batchesPerEpoch: 2,
      stepsRun: 6,
    },
  );
});
