/** A tiny assertion vocabulary for contract suites (they run from the CLI too, outside `deno test`). */

/** One contract check's outcome. */
export interface CheckResult {
  name: string;
  ok: boolean;
  message?: string;
}

/** Thrown by a failed contract assertion. */
export class ContractViolation extends Error {}

/** Fails the current check unless `cond` holds. */
export function expect(cond: unknown, message: string): asserts cond {
  if (!cond) throw new ContractViolation(message);
}

/** Runs named checks in order, recording each outcome (a failure does not stop the others). */
export async function runChecks(checks: Record<string, () => Promise<void> | void>): Promise<CheckResult[]> {
  const out: CheckResult[] = [];
  for (const [name, check] of Object.entries(checks)) {
    try {
      await check();
      out.push({ name, ok: true });
    } catch (err) {
      out.push({ name, ok: false, message: (err as Error).message });
    }
  }
  return out;
}
