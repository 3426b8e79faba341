/**
 * Sources of URL model plugins for the sandbox tests: a constant-predicting model (self-contained, no
 * imports) with code spliced in at module top level or at the start of `fit`, and declared permissions.
 */

/** What to splice into a test plugin. */
export interface SourceParts {
  name: string;
  /** Code run when the module is imported (during `plugins add`, and at every load). */
  topLevel?: string;
  /** Code run at the start of `fit` (an async function; `c` is the constant it predicts). */
  fit?: string;
  permissions?: { read?: string[]; write?: string[]; net?: string[]; env?: string[] };
  /** Import lines at the head of the module. */
  imports?: string;
}

/** A model plugin predicting the training mean (or what `fit` sets `c` to). */
export function modelSource(parts: SourceParts): string {
  return `${parts.imports ?? ""}
${parts.topLevel ?? ""}
const options = {
  "~standard": {
    version: 1,
    vendor: "hand",
    validate: (v: unknown) => (typeof v === "object" && v !== null ? { value: v } : { issues: [{ message: "expected an object" }] }),
  },
};
export default {
  kind: "model",
  name: ${JSON.stringify(parts.name)},
  version: "1.0.0",
  apiVersion: 1,
  options,
  ${parts.permissions ? `permissions: ${JSON.stringify(parts.permissions)},` : ""}
  create: () => {
    let c = 0;
    return {
      accepts: { layouts: ["tabular"], loss: false },
      fit: async (train: { y: Float32Array; yMask: Uint8Array }) => {
        let s = 0, n = 0;
        for (let i = 0; i < train.y.length; i++) if (train.yMask[i]) { s += train.y[i]; n++; }
        c = s / n;
        ${parts.fit ?? ""}
        return {};
      },
      predict: (set: { n: number }) => Promise.resolve({ y: new Float32Array(set.n).fill(c), yShape: [set.n, 1, 1], mask: new Uint8Array(set.n).fill(1) }),
      state: () => ({ c }),
      restore: (state: { c: number }) => { c = state.c; },
    };
  },
};
`;
}
