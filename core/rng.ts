/** Seeded random numbers: the generator lives in lib/ so lib toolkits (the M50T synthesiser) can use it. */
export { createRng, Rng } from "../lib/random/mod.ts";
