/** Route maps for the data, tracking and predict commands (filled in as those features land). */
import type { RouteMap } from "@stricli/core";

/** Extra top-level routes of the `batteryml` command. */
// deno-lint-ignore no-explicit-any
export const extraRoutes: Record<string, RouteMap<any>> = {};
