/**
 * Path and npm: plugins are sandboxed too (issue 13, item 1): a plugin given by path runs in a `deno run`
 * process holding the permissions its definition declares plus read of its own folder, with no
 * `plugins add` (being in the project is the approval; README "Third-party plugins: the sandbox"). The
 * malicious suite for a path plugin — read outside its grant, read the environment, write into the
 * project, open a socket, load native code, spawn a process — at run time and at module top level: each
 * denied with the plugin and the permission named, the run FAILED with its manifest, nothing outside the
 * grant changed; one that loops forever or allocates without bound is stopped (timeout, heap cap).
 * And the positive side: a path plugin with a helper module, the light plugin API (plugin.ts) and an npm:
 * import runs; what it declares is what it gets. All through the CLI under the batteryml task's flags.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { runCli, scratchDir } from "../fixtures/task_cli.ts";
import { newRun, readManifest, ROOT, runIds, snapshot } from "../robustness/_runs.ts";
import { type AttackPaths as Paths, ATTACKS, modelSource } from "./_plugin_sources.ts";

/**
 * A scratch folder with the plugins' folder and, beside it (outside their grant), a secret; and a listener
 * on 127.0.0.1 that counts the connections it gets (the socket attack must reach it zero times).
 */
async function setup() {
  const scratch = await scratchDir("path-plugins");
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  let connections = 0;
  const accepting = (async () => {
    for await (const conn of listener) {
      connections++;
      conn.close();
    }
  })();
  const plugins = join(scratch.abs, "plugins");
  await Deno.mkdir(plugins);
  await Deno.writeTextFile(join(scratch.abs, "secret.txt"), "the user's secret\n");
  const paths: Paths = {
    secret: join(scratch.abs, "secret.txt"),
    projectFile: join(ROOT, "core", `pwned_${crypto.randomUUID().slice(0, 6)}.ts`),
    marker: join(scratch.abs, "spawned"),
    port: (listener.addr as Deno.NetAddr).port,
  };
  const before = { core: await snapshot(join(ROOT, "core")), scratch: await snapshot(scratch.abs) };
  const untouched = async () => {
    assert.deepEqual(await snapshot(join(ROOT, "core")), before.core, "a file under core/ changed");
    const now = await snapshot(scratch.abs);
    for (const [file, hash] of Object.entries(before.scratch)) {
      assert.equal(now[file], hash, `${file} changed`);
    }
    await assert.rejects(Deno.stat(paths.projectFile), Deno.errors.NotFound);
    await assert.rejects(Deno.stat(paths.marker), Deno.errors.NotFound);
    assert.equal(connections, 0, "a plugin connected to the test's listener");
  };
  /** Writes a plugin file; returns its specifier relative to the project, as a user types it. */
  const plugin = async (file: string, source: string) => {
    await Deno.writeTextFile(join(plugins, file), source);
    return `./${scratch.rel}/plugins/${file}`;
  };
  const dispose = async () => {
    listener.close();
    await accepting.catch(() => {});
    await scratch.dispose();
  };
  return { scratch, paths, untouched, plugin, dispose };
}

/** Runs `model=<spec>` into a fresh output folder under the scratch folder: result and the run's manifest. */
async function runModel(
  scratchRel: string,
  spec: string,
  name: string,
  extra: string[] = [],
  env: Record<string, string> = {},
) {
  const out = join(scratchRel, `out-${name}`);
  const r = await runCli(["run", `model=${spec}`, `output.dir=${out}`, "--quiet", ...extra], env);
  const ids = await runIds(join(ROOT, out));
  const manifest = ids.length ? await readManifest(join(ROOT, out), newRun([], ids)) : undefined;
  return { ...r, manifest };
}

Deno.test("path plugin, run time: each attack is denied naming plugin and permission; the run ends FAILED", async (t) => {
  const s = await setup();
  try {
    for (const attack of ATTACKS) {
      await t.step(attack.name, async () => {
        const spec = await s.plugin(
          `${attack.name}.ts`,
          modelSource({ name: attack.name, fit: attack.code(s.paths) }),
        );
        const r = await runModel(s.scratch.rel, spec, attack.name);
        assert.equal(r.code, 1, r.stdout);
        assert.match(
          r.stderr,
          new RegExp(`'${attack.name}' was denied ${attack.permission} access in its sandbox`),
        );
        assert.equal(r.manifest?.status, "FAILED");
        await s.untouched();
      });
    }
  } finally {
    await s.dispose();
  }
});

Deno.test("path plugin, top level: each attack is denied while the module loads, before any data is read", async (t) => {
  const s = await setup();
  try {
    for (const attack of ATTACKS) {
      await t.step(attack.name, async () => {
        const source = modelSource({ name: `${attack.name}_top`, topLevel: attack.code(s.paths) });
        const spec = await s.plugin(`${attack.name}_top.ts`, source);
        const r = await runModel(s.scratch.rel, spec, `${attack.name}_top`);
        assert.equal(r.code, 1, r.stdout);
        assert.match(r.stderr, new RegExp(`was denied ${attack.permission} access in its sandbox`));
        await s.untouched();
      });
    }
  } finally {
    await s.dispose();
  }
});

Deno.test("path plugin: one that loops forever or allocates without bound is stopped with a clear error", async (t) => {
  const s = await setup();
  const grow = "const keep: number[][] = []; while (true) keep.push(new Array(1e6).fill(Math.random()));";
  const heapCap = { BATTERYML_SANDBOX_HEAP_MB: "64" };
  try {
    await t.step("loop at run time: stopped after plugins.timeout_s, the run FAILED", async () => {
      const spec = await s.plugin("loop.ts", modelSource({ name: "loop", fit: "while (true) {}" }));
      const r = await runModel(s.scratch.rel, spec, "loop", ["plugins.timeout_s=2"]);
      assert.equal(r.code, 1, r.stdout);
      assert.match(
        r.stderr,
        /model 'loop' fit\(\) did not settle within 2 s \(plugins\.timeout_s\); its sandbox was stopped/,
      );
      assert.equal(r.manifest?.status, "FAILED");
    });
    await t.step("loop at top level: stopped while loading, after plugins.timeout_s", async () => {
      const spec = await s.plugin(
        "loop_top.ts",
        modelSource({ name: "loop_top", topLevel: "while (true) {}" }),
      );
      const r = await runModel(s.scratch.rel, spec, "loop_top", ["plugins.timeout_s=2"]);
      assert.equal(r.code, 1, r.stdout);
      assert.match(
        r.stderr,
        /loading the module did not settle within 2 s \(plugins\.timeout_s\); its sandbox was stopped/,
      );
    });
    await t.step("unbounded allocation at run time: stopped at the heap cap, the run FAILED", async () => {
      const spec = await s.plugin("alloc.ts", modelSource({ name: "alloc", fit: grow }));
      const r = await runModel(s.scratch.rel, spec, "alloc", [], heapCap);
      assert.equal(r.code, 1, r.stdout);
      assert.match(r.stderr, /'alloc' ran out of its sandbox heap cap of 64 MB/);
      assert.equal(r.manifest?.status, "FAILED");
    });
    await t.step("unbounded allocation at top level: stopped at the heap cap while loading", async () => {
      const spec = await s.plugin("alloc_top.ts", modelSource({ name: "alloc_top", topLevel: grow }));
      const r = await runModel(s.scratch.rel, spec, "alloc_top", [], heapCap);
      assert.equal(r.code, 1, r.stdout);
      assert.match(r.stderr, /ran out of its sandbox heap cap of 64 MB/);
    });
    await s.untouched();
  } finally {
    await s.dispose();
  }
});

/** A model predicting the training mean plus an offset read from `offset.json` beside the project. */
const OFFSET_MODEL = (declare: boolean, offsetFile: string) => `
import { z } from "npm:zod@4.6.7";
import { defineModel } from "../../../plugin.ts";
import { maskedMean } from "./helper.ts";

export default defineModel({
  kind: "model",
  name: "offset_mean",
  version: "1.0.0",
  apiVersion: 1,
  options: z.strictObject({}),
  ${declare ? `permissions: { read: [${JSON.stringify(offsetFile)}] },` : ""}
  create: () => {
    let c = NaN;
    return {
      accepts: { layouts: ["tabular"], loss: false },
      async fit(train) {
        const { offset } = JSON.parse(await Deno.readTextFile(${JSON.stringify(offsetFile)}));
        c = maskedMean(train.y, train.yMask) + offset;
        return {};
      },
      predict: (set) =>
        Promise.resolve({ y: new Float32Array(set.n).fill(c), yShape: [set.n, 1, 1], mask: new Uint8Array(set.n).fill(1) }),
      state: () => ({ c }),
      restore(state: { c: number }) {
        c = state.c;
      },
    };
  },
});
`;

const HELPER = `export function maskedMean(y: Float32Array, mask: Uint8Array): number {
  let s = 0, n = 0;
  for (let i = 0; i < y.length; i++) if (mask[i]) { s += y[i]; n++; }
  return s / n;
}
`;

Deno.test("a path plugin with a helper module, plugin.ts and npm:zod runs sandboxed; it gets what it declares", async () => {
  const s = await setup();
  try {
    const offsetFile = join(s.scratch.rel, "offset.json");
    await Deno.writeTextFile(join(ROOT, offsetFile), JSON.stringify({ offset: 0.25 }));
    await s.plugin("helper.ts", HELPER);
    const declared = await s.plugin("declared.ts", OFFSET_MODEL(true, offsetFile));
    const ok = await runModel(s.scratch.rel, declared, "declared", ["--json"]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(ok.manifest?.status, "FINISHED");
    // Every prediction is the training mean + 0.25, read from the declared file in the sandbox.
    const dummy = await runModel(s.scratch.rel, "dummy", "dummy", ["--json"]);
    const rows = async (manifest: Record<string, unknown>, outName: string) =>
      (await Deno.readTextFile(
        join(ROOT, s.scratch.rel, outName, "runs", String(manifest.runId), "predictions.csv"),
      ))
        .trim().split("\n").slice(1).map((l) => l.split(","));
    const header = (await Deno.readTextFile(
      join(ROOT, s.scratch.rel, "out-dummy", "runs", String(dummy.manifest!.runId), "predictions.csv"),
    )).split("\n")[0].split(",");
    const yPred = header.indexOf("y_pred");
    const mine = await rows(ok.manifest!, "out-declared"), theirs = await rows(dummy.manifest!, "out-dummy");
    assert.equal(mine.length, theirs.length);
    for (let i = 0; i < mine.length; i++) {
      assert.ok(Math.abs(Number(mine[i][yPred]) - Number(theirs[i][yPred]) - 0.25) < 1e-6, `row ${i}`);
    }

    // The same plugin without the declaration: the read is denied, naming the file.
    const undeclared = await s.plugin("undeclared.ts", OFFSET_MODEL(false, offsetFile));
    const denied = await runModel(s.scratch.rel, undeclared, "undeclared");
    assert.equal(denied.code, 1);
    assert.match(
      denied.stderr,
      /'offset_mean' was denied read access in its sandbox \(".*offset\.json"; granted: none\)/,
    );
    await s.untouched();
  } finally {
    await s.dispose();
  }
});

Deno.test("a path plugin importing mod.ts is refused with what a sandboxed plugin may import", async () => {
  const s = await setup();
  try {
    const spec = await s.plugin(
      "heavy.ts",
      `import { defineModel } from "${ROOT}/mod.ts";\n${modelSource({ name: "heavy" })}`,
    );
    const r = await runModel(s.scratch.rel, spec, "heavy");
    assert.equal(r.code, 1);
    assert.match(r.stderr, /was denied read access in its sandbox \(".*\/mod\.ts"/);
    assert.match(r.stderr, /the plugin API plugin\.ts \(not mod\.ts: it needs ffi\)/);
  } finally {
    await s.dispose();
  }
});

Deno.test("an npm: plugin is imported in a sandbox: without --allow-run=deno it cannot start", async () => {
  const printed = await runCli(["run", "--print-permissions", "model=npm:zod@4.6.7"]);
  assert.equal(printed.code, 0, printed.stderr);
  const flags = printed.stdout.trim().split(" ");
  assert.ok(flags.includes("--allow-run=deno"), printed.stdout);
  const run = (list: string[]) =>
    new Deno.Command(Deno.execPath(), {
      args: ["run", "--no-prompt", ...list, "cli/main.ts", "run", "model=npm:zod@4.6.7", "--quiet"],
      cwd: ROOT,
      stdout: "piped",
      stderr: "piped",
    }).output();
  const inSandbox = await run(flags);
  // zod is not a plugin: the sandbox loads it and reports why, as a PluginError naming the specifier.
  assert.equal(inSandbox.code, 1);
  assert.match(
    new TextDecoder().decode(inSandbox.stderr),
    /plugin 'npm:zod@4\.6\.7': .*(invalid definition|no default export)/,
  );
  const noRun = await run(flags.filter((f) => f !== "--allow-run=deno"));
  assert.equal(noRun.code, 1);
  assert.match(new TextDecoder().decode(noRun.stderr), /plugin 'npm:zod@4\.6\.7': cannot start its sandbox/);
});

Deno.test("a loss given by path is refused: it computes on tfjs tensors inside training, which cannot cross", async () => {
  const s = await setup();
  try {
    const spec = await s.plugin(
      "my_loss.ts",
      `export default {
  kind: "loss", name: "my_loss", version: "1.0.0", apiVersion: 1,
  options: { "~standard": { version: 1, vendor: "hand", validate: (v: unknown) => ({ value: v }) } },
  create: () => ({ compute: () => { throw new Error("never called"); } }),
};
`,
    );
    const r = await runCli(["plugins", "test", spec]);
    assert.equal(r.code, 1, r.stdout);
    assert.match(
      r.stderr,
      /a loss cannot run sandboxed: .*ship it inside a model plugin, or load it from a script with runInProcess/,
    );
  } finally {
    await s.dispose();
  }
});
