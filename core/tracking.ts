/**
 * Fan-out to every configured tracker. A tracker that fails warns once and is kept (it may recover,
 * e.g. a server coming back); it never stops the run nor affects what the others record.
 */
import type { Figure, Logger, RunInfo, RunStatus, RunSweepInfo, TrackerInstance } from "./plugin.ts";

/** A named tracker instance. */
export interface NamedTracker {
  name: string;
  instance: TrackerInstance;
  /** The sweep this run is a point of, as this tracker set it up (its own handle). */
  sweep?: RunSweepInfo;
}

/** Calls every tracker, isolating failures. */
export class TrackerGroup {
  #trackers: NamedTracker[];
  #log: Logger;
  #warned = new Set<string>();
  /** Failures per tracker name, for the run manifest. */
  readonly failures: Record<string, number> = {};

  constructor(trackers: NamedTracker[], log: Logger) {
    this.#trackers = trackers;
    this.#log = log;
  }

  /** Names of the trackers in the group. */
  get names(): string[] {
    return this.#trackers.map((t) => t.name);
  }

  /** Starts every tracker; a sweep point's tracker also gets its own sweep handle. */
  start(run: RunInfo): Promise<void> {
    return this.#eachNamed("start", (t) => t.instance.start(t.sweep ? { ...run, sweep: t.sweep } : run));
  }
  /** Optional methods (params, text, figure, artifact, histogram) reach only the trackers that have them. */
  params(values: Record<string, string | number | boolean>): Promise<void> {
    return this.#each("params", (t) => t.params?.(values));
  }
  metrics(values: Record<string, number>, step: number): Promise<void> {
    return this.#each("metrics", (t) => t.metrics(values, step));
  }
  text(name: string, markdown: string): Promise<void> {
    return this.#each("text", (t) => t.text?.(name, markdown));
  }
  figure(name: string, figure: Figure): Promise<void> {
    return this.#each("figure", (t) => t.figure?.(name, figure));
  }
  artifact(path: string, name?: string): Promise<void> {
    return this.#each("artifact", (t) => t.artifact?.(path, name));
  }
  /** Sends each histogram to the trackers that draw histograms; the others are skipped. */
  histograms(values: Record<string, ArrayLike<number>>, step: number): Promise<void> {
    return this.#each("histogram", async (t) => {
      if (!t.histogram) return;
      for (const [tag, v] of Object.entries(values)) await t.histogram(tag, v, step);
    });
  }
  end(status: RunStatus): Promise<void> {
    return this.#each("end", (t) => t.end(status));
  }

  #each(method: string, call: (t: TrackerInstance) => unknown): Promise<void> {
    return this.#eachNamed(method, (t) => call(t.instance));
  }

  async #eachNamed(method: string, call: (t: NamedTracker) => unknown): Promise<void> {
    for (const tracker of this.#trackers) {
      const name = tracker.name;
      try {
        await call(tracker);
      } catch (err) {
        this.failures[name] = (this.failures[name] ?? 0) + 1;
        if (!this.#warned.has(name)) {
          this.#warned.add(name);
          this.#log.warn(
            `tracker '${name}' failed in ${method}(): ${(err as Error).message}; the run goes on ` +
              "and the other trackers keep recording (further failures of this tracker are not repeated)",
          );
        }
      }
    }
  }
}
