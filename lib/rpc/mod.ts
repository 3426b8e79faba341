/**
 * Calls between two processes over a byte stream: a length-prefixed JSON + binary-frame codec (typed arrays
 * cross bit for bit; NaN, −0, dates and a seeded generator's position survive; objects with methods cross as
 * references) and a two-way channel that answers only the methods an object offered. The plugin sandbox
 * (core/sandbox/) talks to its child process through it; nothing here knows about plugins.
 */
export { decodeMessage, encodeMessage, methodNames, oneWay } from "./_codec.ts";
export type { RefCodec } from "./_codec.ts";
export { Channel, RemoteError, wireError } from "./_channel.ts";
export type { ChannelHooks, WireError } from "./_channel.ts";
