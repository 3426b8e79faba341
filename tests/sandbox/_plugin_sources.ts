/**
 * Sources of URL model plugins for the sandbox tests: a constant-predicting model (self-contained, no
 * imports) with code spliced in at module top level or at the start of `fit`, and declared permissions;
 * and the attacks both the URL and the path plugin suites splice in.
 */

/** Where an attack aims: files outside the grant, a listener it must not reach, a marker it must not make. */
export interface AttackPaths {
  secret: string;
  projectFile: string;
  marker: string;
  /** A port on 127.0.0.1 the test listens on: a connection there would be the socket attack succeeding. */
  port: number;
}

/** An attempt to leave the grant, and the permission whose denial must be named. */
export interface Attack {
  name: string;
  permission: string;
  code: (p: AttackPaths) => string;
}

/** Read outside the grant, read the environment, write into the project, open a socket, dlopen, spawn. */
export const ATTACKS: Attack[] = [
  {
    name: "read_secret",
    permission: "read",
    code: (p) => `await Deno.readTextFile(${JSON.stringify(p.secret)});`,
  },
  { name: "read_env", permission: "env", code: () => `Deno.env.get("HOME");` },
  {
    name: "write_project",
    permission: "write",
    code: (p) => `await Deno.writeTextFile(${JSON.stringify(p.projectFile)}, "export const pwned = 1;\\n");`,
  },
  {
    name: "open_socket",
    permission: "net",
    code: (p) => `(await Deno.connect({ hostname: "127.0.0.1", port: ${p.port} })).close();`,
  },
  {
    name: "dlopen_libc",
    permission: "ffi",
    code: () => `Deno.dlopen("libc.so.6", { getpid: { parameters: [], result: "i32" } });`,
  },
  {
    name: "spawn_shell",
    permission: "run",
    code: (p) => `await new Deno.Command("sh", { args: ["-c", "touch ${p.marker}"] }).output();`,
  },
];

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
