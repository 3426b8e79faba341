import { assert, assertEquals } from "./assert.ts";
import { boosterToJson, trainGbdt, trainGbdtInterruptible } from "../../../lib/gbdt/mod.ts";
import { friedman } from "./fixtures.ts";

const params = {
  num_iterations: 40,
  num_leaves: 8,
  min_data_in_leaf: 5,
  bagging_fraction: 0.7,
  bagging_freq: 1,
};

Deno.test("interruptible GBDT: without an abort it grows exactly the trees trainGbdt grows", async () => {
  const data = friedman(400, 5);
  const plain = trainGbdt(data, { ...params, seed: 3 });
  const interruptible = await trainGbdtInterruptible(data, { ...params, seed: 3 }, {
    signal: new AbortController().signal,
  });
  assertEquals(JSON.stringify(boosterToJson(interruptible)), JSON.stringify(boosterToJson(plain)));
});

Deno.test("interruptible GBDT: an abort between rounds stops training with the signal's reason", async () => {
  const data = friedman(400, 6);
  const controller = new AbortController();
  const reason = new Error("interrupted by SIGINT");
  let rounds = 0;
  const training = trainGbdtInterruptible(
    data,
    { ...params, num_iterations: 1_000_000, learning_rate: 1e-9 },
    {
      signal: controller.signal,
      wantMetrics: () => false,
      onIteration: () => void rounds++,
    },
  );
  // A timer fires only when the boosting loop yields to the event loop: proof that it does.
  setTimeout(() => controller.abort(reason), 20);
  const err = await training.then(() => undefined, (e) => e);
  assert(err === reason, `expected the abort reason, got ${err}`);
  assert(rounds > 0 && rounds < 1_000_000, `stopped after ${rounds} rounds`);
});
