/**
 * BatteryML's testing package: the contract suite of every plugin kind, which every plugin (built-in or
 * not) must pass. `batteryml plugins test <spec>` runs it; plugin authors call it from their own tests:
 *
 *   const results = await runContract(await loadPlugin("./my_model.ts", "model"), { … options });
 *   for (const r of results) assert.ok(r.ok, `${r.name}: ${r.message}`);
 *
 * It sits beside `mod.ts` (and is re-exported by it) rather than in the core: the suites are tests of
 * plugins, not part of running an experiment.
 */
export { runContract } from "./run_contract.ts";
export type { CheckResult } from "./checks.ts";
export { contractSampleSet, contractSequenceSet } from "./model_contract.ts";
export { contractCells } from "./split_contract.ts";
