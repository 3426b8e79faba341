/**
 * No synchronous GPU→CPU read in code that runs on WebGPU. A synchronous read (`dataSync`, `arraySync`,
 * `bufferSync`) needs a 2-D canvas on tfjs-webgpu, which Deno has not ("Cannot read properties of null
 * (reading 'clearRect')"), and stalls the device where it works. This walks every module reachable by
 * (non-type) imports from the training engine, the model plugins and the loss plugins, and fails on any such
 * call outside the host-only modules below; a host-only module may be imported only by the modules that
 * guard its use with a backend check (the webgpu training tests run with synchronous reads made to throw,
 * which proves the guards hold at run time).
 */
import assert from "node:assert/strict";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

/** Modules that read synchronously, why that is safe, and the only modules allowed to import them. */
const HOST_ONLY: Record<string, { why: string; importers: string[] }> = {
  "lib/nn/kernels/lstm_sequence.ts": {
    why: "fused LSTM op on Float32Arrays; lstm_attention_net.ts calls it only when onHost() (wasm/cpu)",
    importers: ["lib/nn/lstm_attention_net.ts", "lib/nn/mod.ts", "lib/nn/kernels/bidirectional_lstm.ts"],
  },
  "lib/nn/kernels/bidirectional_lstm.ts": {
    why: "both LSTM directions as one fused op; lstm_attention_net.ts calls it only when onHost()",
    importers: ["lib/nn/lstm_attention_net.ts", "lib/nn/mod.ts"],
  },
  "lib/nn/kernels/host_values.ts": {
    why: "how the fused host ops read their inputs (dataSync or a wasm-heap view)",
    importers: [
      "lib/nn/kernels/lstm_sequence.ts",
      "lib/nn/kernels/attention.ts",
      "lib/nn/kernels/bidirectional_lstm.ts",
    ],
  },
  "lib/nn/kernels/attention.ts": {
    why: "fused attention op on Float32Arrays; lstm_attention_net.ts calls it only when onHost()",
    importers: ["lib/nn/lstm_attention_net.ts", "lib/nn/mod.ts"],
  },
  "lib/ode/tensor_op.ts": {
    why:
      "the float64 host solver as one op; latent_ode_net.ts and acla_net.ts run it only when hostBackend()",
    importers: [
      "lib/ode/latent_ode_net.ts",
      "lib/ode/mod.ts",
      "lib/ode/device_solve.ts",
      "lib/ode/acla_net.ts",
    ],
  },
  "lib/ode/tensor_field.ts": {
    why: "autodiff field for the host solver (reference in tests), never used by a model",
    importers: ["lib/ode/mod.ts"],
  },
};

const SYNC_READ = /\.(dataSync|arraySync|bufferSync)\s*\(/;

async function entryFiles(): Promise<string[]> {
  const out = ["lib/train/mod.ts"];
  for (const dir of ["plugins/models", "plugins/losses"]) {
    for await (const e of Deno.readDir(join(ROOT, dir))) {
      if (e.isFile && e.name.endsWith(".ts")) out.push(`${dir}/${e.name}`);
    }
  }
  return out.sort();
}

/** Relative imports that execute (not `import type` / `export type`), resolved to repository paths. */
function importsOf(file: string, text: string): string[] {
  const out: string[] = [];
  const re = /(?:^|\n)\s*(import|export)\s+(type\s+)?[^;]*?from\s+"(\.[^"]+)"|import\(\s*"(\.[^"]+)"\s*\)/g;
  for (const m of text.matchAll(re)) {
    if (m[2]) continue;
    const spec = m[3] ?? m[4];
    out.push(relative(ROOT, join(ROOT, dirname(file), spec)));
  }
  return out;
}

/** Code lines with a synchronous read (comments stripped). */
function syncReads(text: string): string[] {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, "").split("\n").map((l) => l.replace(/\/\/.*$/, ""));
  return code.filter((l) => SYNC_READ.test(l)).map((l) => l.trim());
}

Deno.test("no synchronous tensor read is reachable from the trainer, model and loss plugins outside host-only modules", async () => {
  const seen = new Map<string, string[]>(); // file → its importers
  const queue: [string, string][] = (await entryFiles()).map((f) => [f, "(entry)"]);
  const offenders: string[] = [];
  while (queue.length) {
    const [file, from] = queue.shift()!;
    if (seen.has(file)) {
      seen.get(file)!.push(from);
      continue;
    }
    seen.set(file, [from]);
    const text = await Deno.readTextFile(join(ROOT, file));
    const reads = syncReads(text);
    if (reads.length && !HOST_ONLY[file]) offenders.push(`${file}: ${reads.join(" | ")}`);
    for (const dep of importsOf(file, text)) queue.push([dep, file]);
  }
  assert.deepEqual(offenders, [], "synchronous reads on code reachable on WebGPU");
  for (const [file, rule] of Object.entries(HOST_ONLY)) {
    const importers = (seen.get(file) ?? []).filter((f) => !rule.importers.includes(f));
    assert.deepEqual(importers, [], `${file} (${rule.why}) imported by unguarded modules`);
  }
  // The walk did reach the engine, the networks and the solvers (a broken walk would pass vacuously).
  for (const f of ["lib/train/trainer.ts", "lib/nn/lstm_attention_net.ts", "lib/ode/device_solve.ts"]) {
    assert.ok(seen.has(f), `${f} not reached`);
  }
});

Deno.test("the sync-read scan finds a call and ignores comments", () => {
  assert.deepEqual(syncReads("const a = t.dataSync();\n// x.arraySync()\n/* y.bufferSync() */"), [
    "const a = t.dataSync();",
  ]);
  assert.deepEqual(
    importsOf("lib/a/b.ts", 'import type { X } from "./x.ts";\nimport { y } from "../y.ts";'),
    [
      "lib/y.ts",
    ],
  );
});
