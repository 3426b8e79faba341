/**
 * What the plugin sandbox costs (docs/results.md §14):
 *  - per run: `batteryml run pipeline=summary_set model=lgbm` (a milestone A run on the embedded data) with
 *    the built-in lgbm vs the same model served over HTTP as a URL plugin (so it runs sandboxed), whole-
 *    process medians of interleaved runs; the two runs' metrics must be identical, or the copy is not the
 *    same model and the comparison means nothing; besides the two medians, the median of the per-round
 *    differences (each round runs both back to back, so a load that drifts over the minutes cancels out)
 *    and the load average before and after (the build machine is shared);
 *  - per call: `predict` on a fitted constant model, in-process (a path plugin taken in with runInProcess)
 *    vs sandboxed as a path plugin and as a URL plugin, for a 1-sample and a 10,000 × 32-feature SampleSet
 *    (what crosses the pipe grows with it); and what loading a path plugin into its sandbox takes (a
 *    `deno` process started, the module imported), once per plugin and run.
 *
 *   deno task bench-sandbox [--runs 5] [--calls 200]
 */
import { join, resolve } from "node:path";
import {
  createRng,
  createSampleSet,
  inspectUrlPlugin,
  loadPlugin,
  recordTrustedPlugin,
  runInProcess,
} from "../../mod.ts";

const ROOT = resolve(import.meta.dirname!, "../..");
const args = Deno.args;
const flag = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const RUNS = flag("runs", 5);
const CALLS = flag("calls", 200);
const OUT = join("artifacts", "bench", "sandbox");
const LOCK = join(OUT, "plugins.lock.json");

/**
 * The lgbm plugin as a third party would publish it: its own npm: import instead of the project's import
 * map, and the plugin API (plugin.ts) instead of mod.ts, which cannot start without ffi.
 */
function publishedLgbm(source: string): string {
  const published = source
    .replace(`import { z } from "zod";`, `import { z } from "npm:zod@4.6.7";`)
    .replace(`} from "../../mod.ts";`, `} from "../../plugin.ts";`);
  if (/from "\.\.\/\.\.\/mod\.ts"/.test(published)) {
    throw new Error("plugins/models/lgbm.ts still imports mod.ts after publishing: update publishedLgbm");
  }
  return published;
}

/** Serves the project's files read-only over HTTP, lgbm rewritten as published. */
function serveProject(): { base: string; close(): Promise<void> } {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const path = new URL(req.url).pathname;
    try {
      let text = await Deno.readTextFile(join(ROOT, path));
      if (path === "/plugins/models/lgbm.ts") text = publishedLgbm(text);
      return new Response(text, { headers: { "content-type": "application/typescript" } });
    } catch {
      return new Response("not found", { status: 404 });
    }
  });
  return { base: `http://127.0.0.1:${(server.addr as Deno.NetAddr).port}`, close: () => server.shutdown() };
}

const CONSTANT_MODEL = `
export default {
  kind: "model", name: "constant", version: "1.0.0", apiVersion: 1,
  options: { "~standard": { version: 1, vendor: "hand", validate: (v: unknown) => ({ value: v }) } },
  create: () => ({
    accepts: { layouts: ["tabular"], loss: false },
    fit: () => Promise.resolve({}),
    predict: (set: { n: number }) => Promise.resolve({ y: new Float32Array(set.n), yShape: [set.n, 1, 1], mask: new Uint8Array(set.n).fill(1) }),
    state: () => ({}),
    restore: () => {},
  }),
};
`;

async function timedRun(model: string, runDir: string): Promise<{ seconds: number; metrics: string }> {
  const t0 = performance.now();
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "task",
      "-q",
      "batteryml",
      "run",
      "pipeline=summary_set",
      `model=${model}`,
      `output.dir=${runDir}`,
      "--json",
    ],
    cwd: ROOT,
    env: { BATTERYML_PLUGIN_LOCK: LOCK },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const seconds = (performance.now() - t0) / 1000;
  const text = new TextDecoder().decode(out.stdout);
  if (out.code !== 0) throw new Error(`run model=${model} failed: ${new TextDecoder().decode(out.stderr)}`);
  return { seconds, metrics: JSON.stringify(JSON.parse(text).metrics) };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

async function perRun(base: string): Promise<void> {
  const url = `${base}/plugins/models/lgbm.ts`;
  const entry = await inspectUrlPlugin(url);
  await recordTrustedPlugin(url, entry, LOCK);
  const times: Record<string, number[]> = { builtin: [], url: [] };
  const metrics = new Set<string>();
  for (let i = 0; i < RUNS; i++) {
    for (const [variant, model] of [["builtin", "lgbm"], ["url", url]]) {
      const r = await timedRun(model, join(OUT, `runs-${variant}`));
      times[variant].push(r.seconds);
      metrics.add(r.metrics);
    }
  }
  if (metrics.size !== 1) throw new Error(`built-in and URL lgbm disagree: ${[...metrics].join(" vs ")}`);
  const [b, u] = [median(times.builtin), median(times.url)];
  const paired = median(times.url.map((t, i) => t - times.builtin[i]));
  console.log(
    `per run (${RUNS} interleaved, ${Object.keys(entry.modules ?? {}).length} modules): ` +
      `built-in ${b.toFixed(3)} s, URL (sandboxed) ${u.toFixed(3)} s, overhead ${(u - b).toFixed(3)} s ` +
      `(${((u / b - 1) * 100).toFixed(1)} %); median of the per-round differences ${paired.toFixed(3)} s ` +
      `(${(paired / b * 100).toFixed(1)} %); metrics identical`,
  );
}

async function perCall(base: string): Promise<void> {
  const file = join(ROOT, OUT, "constant_model.ts");
  await Deno.writeTextFile(file, CONSTANT_MODEL);
  // The same module at a second path: that one stays a path plugin, sandboxed.
  const pathFile = join(ROOT, OUT, "path", "constant_model.ts");
  await Deno.mkdir(join(ROOT, OUT, "path"), { recursive: true });
  await Deno.writeTextFile(pathFile, CONSTANT_MODEL);
  runInProcess(file);
  const url = `${base}/${OUT}/constant_model.ts`;
  const lock = { version: 1 as const, plugins: { [url]: await inspectUrlPlugin(url) } };
  const ctx = { seed: 1, rng: createRng(1), log: { info() {}, warn() {}, debug() {} }, cacheDir: OUT };
  const local = await (await loadPlugin(file, "model")).definition.create({}, ctx);
  const loads: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    await loadPlugin(pathFile, "model");
    loads.push(performance.now() - t0);
  }
  console.log(`loading a path plugin into its sandbox: median ${median(loads).toFixed(0)} ms of 5`);
  const path = await (await loadPlugin(pathFile, "model")).definition.create({}, ctx);
  const boxed = await (await loadPlugin(url, "model", { lock })).definition.create({}, ctx);
  for (const [n, f] of [[1, 1], [10_000, 32]]) {
    const set = createSampleSet({
      featureNames: Array.from({ length: f }, (_, i) => `f${i}`),
      targetNames: ["y"],
      x: new Float32Array(n * f).fill(0.5),
      y: new Float32Array(n).fill(1),
      meta: { cellKey: Array(n).fill("1/A"), chamberC: new Float64Array(n).fill(25) },
    });
    const ms: Record<string, number> = {};
    for (const [variant, model] of [["in-process", local], ["path", path], ["sandboxed", boxed]] as const) {
      await model.predict(set);
      const t0 = performance.now();
      for (let i = 0; i < CALLS; i++) await model.predict(set);
      ms[variant] = (performance.now() - t0) / CALLS;
    }
    console.log(
      `per predict() call, N=${n} F=${f} (${(set.x.byteLength / 1e6).toFixed(2)} MB of x): ` +
        `in-process ${(ms["in-process"] * 1000).toFixed(1)} µs, path (sandboxed) ${
          (ms.path * 1000).toFixed(1)
        } µs, URL (sandboxed) ${(ms.sandboxed * 1000).toFixed(1)} µs ` +
        `(mean of ${CALLS})`,
    );
  }
}

/** The 1-minute load average, for the record beside the timings. */
const load = () => Deno.loadavg()[0].toFixed(2);

await Deno.mkdir(OUT, { recursive: true });
const server = serveProject();
const loadBefore = load();
try {
  await perCall(server.base);
  await perRun(server.base);
} finally {
  await server.close();
}
console.log(`load average (1 min): ${loadBefore} before, ${load()} after`);
