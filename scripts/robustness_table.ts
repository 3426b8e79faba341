/**
 * Runs the robustness corpus (tests/robustness) and prints the Markdown table of docs/results.md:
 * cases by area and outcome class, with how many passed. Counts come from the test runner's JUnit
 * report, so the table always describes the corpus as it is.
 */
import { join } from "node:path";

const report = join("artifacts", "robustness", "junit.xml");
await Deno.mkdir(join("artifacts", "robustness"), { recursive: true });
const run = await new Deno.Command(Deno.execPath(), {
  args: [
    "test",
    "--allow-read",
    "--allow-env",
    "--allow-ffi",
    "--allow-sys",
    "--allow-write",
    "--allow-net=127.0.0.1,localhost",
    "--allow-run",
    `--reporter=junit`,
    `--junit-path=${report}`,
    "tests/robustness/",
  ],
  stdout: "null",
  stderr: "inherit",
}).output();

/** One `<testcase>` of the JUnit report: its name and whether it failed. */
interface CaseResult {
  area: string;
  outcome: string;
  passed: boolean;
}

function parseCases(xml: string): CaseResult[] {
  const out: CaseResult[] = [];
  const re = /<testcase name="robustness (\S+) \[(\w+)\][^"]*"[^>]*?(\/>|>([\s\S]*?)<\/testcase>)/g;
  for (const m of xml.matchAll(re)) {
    const body = m[4] ?? "";
    out.push({ area: m[1], outcome: m[2], passed: !/<failure|<error/.test(body) });
  }
  return out;
}

const cases = parseCases(await Deno.readTextFile(report));
if (cases.length === 0) throw new Error(`no robustness cases found in ${report}`);
const areas = [...new Set(cases.map((c) => c.area))].sort();
const outcomes = ["error", "warning", "identical"];
const cell = (area: string | null, outcome: string | null) => {
  const sel = cases.filter((c) =>
    (area === null || c.area === area) && (outcome === null || c.outcome === outcome)
  );
  const passed = sel.filter((c) => c.passed).length;
  return sel.length === 0 ? "–" : passed === sel.length ? `${sel.length}` : `${passed}/${sel.length} pass`;
};
console.log(`| area | ${outcomes.join(" | ")} | all |`);
console.log(`|---|${outcomes.map(() => "---:").join("|")}|---:|`);
for (const area of areas) {
  console.log(`| ${area} | ${outcomes.map((o) => cell(area, o)).join(" | ")} | ${cell(area, null)} |`);
}
console.log(`| **all** | ${outcomes.map((o) => cell(null, o)).join(" | ")} | **${cell(null, null)}** |`);
const failed = cases.filter((c) => !c.passed).length;
console.log(`\n${cases.length} cases, ${failed} failed (deno test exit code ${run.code})`);
if (!run.success) Deno.exitCode = 1;
