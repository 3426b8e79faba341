/** Loggers: messages to stderr, so stdout stays clean for `--json` output. */
import type { Logger } from "./plugin.ts";
import { withProgressLineCleared } from "../lib/progress.ts";

/** Logger settings from the CLI's `--quiet` / `--debug`. */
export interface LogSettings {
  quiet?: boolean;
  debug?: boolean;
}

/** A stderr logger; `quiet` drops info, `debug` adds debug lines. Warnings always print. */
export function createLogger(settings: LogSettings = {}): Logger {
  // A progress line being drawn is cleared first and redrawn after, so log lines never land inside it.
  const write = (line: string) => withProgressLineCleared(() => console.error(line));
  return {
    info: (m) => settings.quiet ? undefined : write(m),
    warn: (m) => write(`warning: ${m}`),
    debug: (m) => settings.debug ? write(`debug: ${m}`) : undefined,
  };
}

/** A logger that records lines (tests, and the JSON summary's warnings). */
export function createRecordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    info: (m) => void lines.push(`info: ${m}`),
    warn: (m) => void lines.push(`warning: ${m}`),
    debug: (m) => void lines.push(`debug: ${m}`),
  };
}
