/**
 * Every kind but loss runs sandboxed: the contract fixtures, served over HTTP as a publisher would ship them
 * (their own `npm:zod` import instead of the project's import map), pass the same contract suite through
 * the sandbox as in-process — datasets answering tables and curves, pipelines calling back the View they are
 * handed, models exchanging SampleSets and states, splits drawing from the run's generator, trackers.
 * A URL loss is refused with the reason.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { runContract } from "../../testing/mod.ts";
import { PluginError } from "../../core/errors.ts";
import { loadPlugin } from "../../core/loader.ts";
import { inspectUrlPlugin, type PluginLock } from "../../core/plugin_lock.ts";
import { ROOT } from "../fixtures/task_cli.ts";

/** Serves the project's files; `from "zod"` becomes the pinned npm specifier a published plugin would use. */
function serveProject() {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    if (new URL(req.url).pathname === "/inline/loss.ts") return new Response(LOSS_SOURCE);
    try {
      const text = await Deno.readTextFile(join(ROOT, new URL(req.url).pathname));
      return new Response(text.replaceAll(`from "zod";`, `from "npm:zod@4.6.7";`));
    } catch {
      return new Response("not found", { status: 404 });
    }
  });
  return { base: `http://127.0.0.1:${(server.addr as Deno.NetAddr).port}`, close: () => server.shutdown() };
}

/** A loss whose module loads anywhere (tensors are the caller's; it only names the ops). */
const LOSS_SOURCE = `export default {
  kind: "loss", name: "url_mse", version: "1.0.0", apiVersion: 1,
  options: { "~standard": { version: 1, vendor: "hand", validate: (v: unknown) => ({ value: v }) } },
  create: () => ({ compute: (a: { sub(b: unknown): { square(): { mean(): unknown } } }, b: unknown) => a.sub(b).square().mean() }),
};
`;

const FIXTURES = [
  ["dataset", "contract_dataset.ts"],
  ["split", "contract_split.ts"],
  ["pipeline", "contract_pipeline.ts"],
  ["pipeline", "tiny_pipeline.ts"],
  ["model", "contract_model.ts"],
  ["tracker", "contract_tracker.ts"],
] as const;

Deno.test("the contract fixtures of five kinds pass their suites sandboxed exactly as in-process", async (t) => {
  const server = serveProject();
  try {
    for (const [kind, file] of FIXTURES) {
      await t.step(file, async () => {
        const path = join(ROOT, "tests", "fixtures", "plugins", file);
        const url = `${server.base}/tests/fixtures/plugins/${file}`;
        const lock: PluginLock = { version: 1, plugins: { [url]: await inspectUrlPlugin(url) } };
        const sandboxed = await loadPlugin(url, kind, { lock });
        assert.equal(sandboxed.source, "url");
        const inProcess = await runContract(await loadPlugin(path, kind));
        const boxed = await runContract(sandboxed);
        assert.ok(inProcess.every((r) => r.ok), JSON.stringify(inProcess));
        assert.deepEqual(boxed, inProcess);
      });
    }
    await t.step("a URL loss is refused with the reason", async () => {
      const url = `${server.base}/inline/loss.ts`;
      await assert.rejects(
        inspectUrlPlugin(url),
        (e) =>
          e instanceof PluginError &&
          /a loss cannot run sandboxed: it computes on tfjs tensors/.test(e.message),
      );
    });
  } finally {
    await server.close();
  }
});
