/**
 * fetchExperiment end-to-end against a loopback HTTP server (127.0.0.1, Range support) serving a small zip
 * built here with fflate: a full download, a resumed one, and a checksum mismatch.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { zipSync } from "fflate";
import { DataError } from "../../../../core/errors.ts";
import { archiveName, fetchExperiment, type FetchProgress } from "../../../../lib/m50t/mod.ts";
import { progressRecorder } from "../../../fixtures/progress_recorder.ts";

const TOP = "Expt 5 - Standard Cycle Aging (Control)";
const enc = new TextEncoder();

function buildZip(): Uint8Array<ArrayBuffer> {
  return new Uint8Array(zipSync({
    [`${TOP}/Summary Data/Performance Summary/Expt 5 - cell A (10degC) - Processed Data.csv`]: enc.encode(
      "a,b\n1,2\n",
    ),
    [`${TOP}/Processed Timeseries Data/0.1C Voltage Curves/cell A/Expt 5 - cell A - RPT0 - 0.1C discharge data.csv`]:
      enc.encode("Time (s)\n0\n"),
    [`${TOP}/Processed Timeseries Data/GITT Voltage Curves/cell A/big.csv`]: enc.encode("x\n".repeat(5000)),
  }, { level: 0 })); // stored: the body is large enough to split into chunks for the resume case
}

async function sha256(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(d, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Serves `body` at the files-API path, honouring `Range: bytes=N-`; records the ranges asked for. */
function serve(body: Uint8Array<ArrayBuffer>) {
  const ranges: (string | null)[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    const url = new URL(req.url);
    if (url.pathname !== `/records/10637534/files/${encodeURIComponent(archiveName("5"))}`) {
      return new Response("not found", { status: 404 });
    }
    const range = req.headers.get("range");
    ranges.push(range);
    const m = range ? /^bytes=(\d+)-$/.exec(range) : null;
    if (m) {
      const start = Number(m[1]);
      return new Response(body.slice(start), {
        status: 206,
        headers: { "content-range": `bytes ${start}-${body.length - 1}/${body.length}` },
      });
    }
    return new Response(body.slice());
  });
  const baseUrl = `http://127.0.0.1:${server.addr.port}`;
  return { server, baseUrl, ranges };
}

Deno.test("fetch: download, verify sha256, extract summaries and 0.1C curves only", async () => {
  const zip = buildZip();
  const { server, baseUrl, ranges } = serve(zip);
  const dest = await Deno.makeTempDir();
  try {
    const progress: FetchProgress[] = [];
    const r = await fetchExperiment({
      experiment: "5",
      dest,
      baseUrl,
      sha256: await sha256(zip),
      onProgress: (p) => progress.push(p),
    });
    assert.equal(r.resumed, false);
    assert.equal(r.bytes, zip.length);
    assert.deepEqual(ranges, [null]);
    assert.equal(progress.at(-1)?.received, zip.length);
    assert.equal(r.extracted.length, 2);
    const summary = join(
      dest,
      TOP,
      "Summary Data/Performance Summary/Expt 5 - cell A (10degC) - Processed Data.csv",
    );
    assert.equal(await Deno.readTextFile(summary), "a,b\n1,2\n");
    await assert.rejects(Deno.stat(join(dest, TOP, "Processed Timeseries Data/GITT Voltage Curves")));
  } finally {
    await server.shutdown();
    await Deno.remove(dest, { recursive: true });
  }
});

Deno.test("fetch: resumes a partial download with an HTTP Range request", async () => {
  const zip = buildZip();
  const { server, baseUrl, ranges } = serve(zip);
  const dest = await Deno.makeTempDir();
  try {
    const half = Math.floor(zip.length / 2);
    await Deno.writeFile(join(dest, `${archiveName("5")}.part`), zip.slice(0, half));
    const progress: FetchProgress[] = [];
    const r = await fetchExperiment({
      experiment: "5",
      dest,
      baseUrl,
      sha256: await sha256(zip),
      onProgress: (p) => progress.push(p),
    });
    assert.equal(r.resumed, true);
    assert.deepEqual(ranges, [`bytes=${half}-`]);
    assert.deepEqual(progress.at(-1), { received: zip.length, total: zip.length });
    assert.deepEqual(await Deno.readFile(r.archive), zip);
    assert.equal(r.extracted.length, 2);
  } finally {
    await server.shutdown();
    await Deno.remove(dest, { recursive: true });
  }
});

Deno.test("fetch: checksum mismatch → DataError, nothing extracted, .part removed", async () => {
  const zip = buildZip();
  const { server, baseUrl } = serve(zip);
  const dest = await Deno.makeTempDir();
  try {
    const err = await fetchExperiment({ experiment: "5", dest, baseUrl, md5: "0".repeat(32) }).catch((e) =>
      e
    );
    assert.ok(err instanceof DataError);
    assert.match(err.message, /checksum mismatch/);
    assert.match(err.message, /expected md5 0{32}/);
    await assert.rejects(Deno.stat(join(dest, `${archiveName("5")}.part`)));
    await assert.rejects(Deno.stat(join(dest, TOP)));
  } finally {
    await server.shutdown();
    await Deno.remove(dest, { recursive: true });
  }
});

Deno.test("fetch: the progress sink gets the archive's size, the resumed bytes apart, and a final line", async () => {
  const zip = buildZip();
  const { server, baseUrl } = serve(zip);
  const dest = await Deno.makeTempDir();
  try {
    const half = Math.floor(zip.length / 2);
    await Deno.writeFile(join(dest, `${archiveName("5")}.part`), zip.slice(0, half));
    const progress = progressRecorder();
    await fetchExperiment({ experiment: "5", dest, baseUrl, sha256: await sha256(zip), progress });
    assert.equal(progress.tasks.length, 1);
    const [task] = progress.tasks;
    assert.equal(task.label, `download ${archiveName("5")}`);
    assert.equal(task.total, zip.length);
    // The resumed half is not downloaded now: it is the task's initial count, kept out of the rate.
    assert.deepEqual(task.options, { unit: "bytes", initial: half });
    const counts = task.updates.map((u) => u.done);
    assert.ok(counts.every((c, i) => c > (i === 0 ? half : counts[i - 1])), `${counts}`);
    assert.equal(counts.at(-1), zip.length);
    assert.deepEqual(task.finished, [{ status: "resumed" }]);
  } finally {
    await server.shutdown();
    await Deno.remove(dest, { recursive: true });
  }
});
