/**
 * The local spool of a REST-tracked run: every record is appended to `<spoolDir>/<runId>/records.jsonl`
 * before it is sent, artifacts are copied under `<spoolDir>/<runId>/artifacts/`, and `state.json` says
 * how far the server has acknowledged. A run whose server went away keeps its records here until
 * `syncSpool` replays them; the acknowledged position makes replays free of duplicates.
 */
import { dirname, join } from "node:path";
import { writeFileAtomic } from "../io/mod.ts";
import type { Batch } from "./_batch.ts";
import { safeArtifactPath } from "./keys.ts";
import { listFiles } from "./_local_files.ts";
import type { TerminalStatus } from "./_run_status.ts";

/** Where spools live unless configured otherwise. */
export const DEFAULT_SPOOL_DIR = "artifacts/mlflow-spool";

/** Creates the run (and its experiment when absent). */
export interface CreateRunRecord {
  seq: number;
  kind: "create_run";
  trackingUri: string;
  experimentName: string;
  runName: string;
  startTime: number;
  userId: string;
  tags: Record<string, string>;
}

/** One logical `log-batch` (split on sending). */
export interface LogBatchRecord {
  seq: number;
  kind: "log_batch";
  batch: Batch;
}

/** One artifact file, stored in the spool's `artifacts/<path>`. */
export interface ArtifactRecord {
  seq: number;
  kind: "artifact";
  path: string;
}

/** Ends the run. */
export interface UpdateRunRecord {
  seq: number;
  kind: "update_run";
  status: TerminalStatus;
  endTime: number;
}

/** One line of `records.jsonl`. */
export type SpoolRecord = CreateRunRecord | LogBatchRecord | ArtifactRecord | UpdateRunRecord;

/** A record before the spool numbers it. */
export type NewSpoolRecord =
  | Omit<CreateRunRecord, "seq">
  | Omit<LogBatchRecord, "seq">
  | Omit<ArtifactRecord, "seq">
  | Omit<UpdateRunRecord, "seq">;

/** What the server has acknowledged, persisted as `state.json`. */
export interface SpoolState {
  /** Highest `seq` handled (sent, or refused by the server for good); -1 before any. */
  sentSeq: number;
  experimentId?: string;
  remoteRunId?: string;
  artifactUri?: string;
  /** Records the server refused (4xx), with its reason: they are not retried. */
  failures: { seq: number; message: string }[];
}

/** The spool folder of one run. */
export class RunSpool {
  readonly dir: string;
  readonly localRunId: string;
  #nextSeq: number;

  private constructor(dir: string, localRunId: string, nextSeq: number) {
    this.dir = dir;
    this.localRunId = localRunId;
    this.#nextSeq = nextSeq;
  }

  /** Opens (creating when needed) the spool of `localRunId`; new records continue its numbering. */
  static async open(spoolDir: string, localRunId: string): Promise<RunSpool> {
    const dir = join(spoolDir, localRunId);
    await Deno.mkdir(join(dir, "artifacts"), { recursive: true });
    const spool = new RunSpool(dir, localRunId, 0);
    const records = await spool.readRecords();
    spool.#nextSeq = records.length === 0 ? 0 : records[records.length - 1].seq + 1;
    return spool;
  }

  /** Folder that holds the spooled artifact files. */
  get artifactsDir(): string {
    return join(this.dir, "artifacts");
  }

  /** Numbers and appends one record (one JSON line). */
  async append(record: NewSpoolRecord): Promise<SpoolRecord> {
    const numbered = { seq: this.#nextSeq, ...record } as SpoolRecord;
    await Deno.writeTextFile(join(this.dir, "records.jsonl"), JSON.stringify(numbered) + "\n", {
      append: true,
    });
    this.#nextSeq++;
    return numbered;
  }

  /** Copies a file or folder into the spool; returns the artifact paths of the files it holds. */
  async storeArtifactFile(localPath: string, artifactPath: string): Promise<string[]> {
    const base = safeArtifactPath(artifactPath);
    const stored: string[] = [];
    for (const file of await listFiles(localPath)) {
      const path = file.relative ? `${base}/${file.relative}` : base;
      const target = join(this.artifactsDir, path);
      await Deno.mkdir(dirname(target), { recursive: true });
      await Deno.copyFile(file.absolute, target);
      stored.push(path);
    }
    return stored;
  }

  /** Stores `data` as the artifact `artifactPath`; returns the normalised path. */
  async storeArtifactBytes(artifactPath: string, data: Uint8Array | string): Promise<string> {
    const path = safeArtifactPath(artifactPath);
    await writeFileAtomic(join(this.artifactsDir, path), data);
    return path;
  }

  /** Bytes of a spooled artifact. */
  readArtifact(path: string): Promise<Uint8Array<ArrayBuffer>> {
    return Deno.readFile(join(this.artifactsDir, path));
  }

  /** All complete records; a torn last line (a crash mid-append) is ignored, as it was never sent. */
  async readRecords(): Promise<SpoolRecord[]> {
    const text = await Deno.readTextFile(join(this.dir, "records.jsonl")).catch((err) => {
      if (err instanceof Deno.errors.NotFound) return "";
      throw err;
    });
    const lines = text.split("\n");
    lines.pop(); // the part after the last newline: empty, or a torn line
    return lines.filter((l) => l.trim() !== "").map((l) => JSON.parse(l) as SpoolRecord);
  }

  /** The acknowledged state (a fresh one when none was written). */
  async readState(): Promise<SpoolState> {
    const text = await Deno.readTextFile(join(this.dir, "state.json")).catch(() => undefined);
    return text === undefined ? { sentSeq: -1, failures: [] } : JSON.parse(text) as SpoolState;
  }

  /** Persists the state atomically, so a crash leaves the old or the new one, never half. */
  async writeState(state: SpoolState): Promise<void> {
    await writeFileAtomic(join(this.dir, "state.json"), JSON.stringify(state, null, 2) + "\n");
  }

  /** Deletes the spool (once everything is on the server). */
  async remove(): Promise<void> {
    await Deno.remove(this.dir, { recursive: true });
  }
}

/** Local run ids that have a spool under `spoolDir` (sorted; none when the folder is absent). */
export async function listSpooledRuns(spoolDir: string): Promise<string[]> {
  const ids: string[] = [];
  try {
    for await (const entry of Deno.readDir(spoolDir)) {
      if (entry.isDirectory && !entry.name.startsWith(".")) ids.push(entry.name);
    }
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
  return ids.sort();
}
