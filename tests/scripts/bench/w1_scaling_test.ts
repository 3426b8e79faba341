import { assert, assertEquals, assertThrows } from "../../lib/gbdt/assert.ts";
import { parsePeakRss, runMeasured } from "../../../scripts/bench/peak_rss.ts";
import { ReusedFileReader } from "../../../scripts/bench/w1_ica.ts";
import { cycledFiles } from "../../../scripts/bench/w1_ica_stream.ts";

Deno.test("peak RSS: GNU time's mark line in kB → bytes; a missing line is an error", () => {
  assertEquals(parsePeakRss("progress…\nbatteryml-peak-rss-kb 153216\n"), 153216 * 1024);
  assertThrows(
    () => parsePeakRss("Command exited with non-zero status 1\n"),
    /no 'batteryml-peak-rss-kb <n>'/,
  );
});

Deno.test("peak RSS: a measured subprocess returns its JSON line and a positive peak", async () => {
  const run = await runMeasured("/bin/sh", ["-c", `echo noise; echo '{"seconds": 0.5}'`]);
  assertEquals(run.json, { seconds: 0.5 });
  assert(run.peakRssBytes > 0 && run.peakRssBytes % 1024 === 0, `peak ${run.peakRssBytes}`);
  let failed = "";
  await runMeasured("/bin/sh", ["-c", "exit 3"]).catch((e) => failed = (e as Error).message);
  assert(/failed \(exit 3\)/.test(failed), failed);
});

Deno.test("ICA series: N curves cycle through the kit's files in order", () => {
  assertEquals(cycledFiles(["a", "b", "c"], 7), ["a", "b", "c", "a", "b", "c", "a"]);
  assertEquals(cycledFiles(["a", "b", "c"], 2), ["a", "b"]);
  assertThrows(() => cycledFiles([], 3), /no curve files/);
});

Deno.test("ICA series: one reused read buffer, grown only for a larger file, bytes exact, final newline", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const enc = new TextEncoder();
    await Deno.writeFile(`${dir}/big.csv`, enc.encode("V,Q\n3.5,1\n3.6,2\n"));
    await Deno.writeFile(`${dir}/small.csv`, enc.encode("V,Q\n4,9")); // no final newline
    await Deno.writeFile(`${dir}/empty.csv`, new Uint8Array(0));
    const reader = new ReusedFileReader();
    const text = async (f: string) => new TextDecoder().decode(await reader.read(`${dir}/${f}`));
    assertEquals(await text("big.csv"), "V,Q\n3.5,1\n3.6,2\n");
    assertEquals(await text("small.csv"), "V,Q\n4,9\n");
    assertEquals(await text("big.csv"), "V,Q\n3.5,1\n3.6,2\n");
    assertEquals(await text("empty.csv"), "\n");
    assertEquals(reader.allocations, 1);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
