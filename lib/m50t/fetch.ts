/**
 * Downloads one experiment's archive from Zenodo record 10637534 (DOI 10.5281/zenodo.10637534), resuming an
 * interrupted download through HTTP Range into `<archive>.part`, verifying its checksum (md5 from the
 * record's metadata, or a sha256 / md5 given), then extracting only the members wanted (by default the
 * summaries and the 0.1C curves) with fflate's streaming unzip. Extraction streams to disk: each member's
 * decompressed bytes are written as they come into a temp file beside its target, renamed into place when
 * the member is complete, so neither the archive nor any member sits in memory and a failure leaves no
 * half-written file (a 2.3 MB archive of 768 MB of curves used to peak at 1.07 GB).
 */
import { createHash } from "node:crypto";
import { basename, dirname, join, normalize } from "node:path";
import { Unzip, UnzipInflate } from "fflate";
import { DataError } from "../errors.ts";
import { type ProgressSink, silentProgress } from "../progress.ts";
import { experimentByLabel } from "./experiments.ts";

/** The Zenodo record holding the five archives. */
export const ZENODO_RECORD = "10637534";
/** Default host; tests point `baseUrl` at a loopback server. */
export const ZENODO_BASE_URL = "https://zenodo.org";

/** Download progress: bytes received so far (resumed bytes included) and the total when known. */
export interface FetchProgress {
  received: number;
  total?: number;
}

/** Options of `fetchExperiment`. */
export interface FetchOptions {
  /** Experiment label ("1", "2,2", "3", "4", "5"). */
  experiment: string;
  /** Data root: the archive is kept here and members are extracted under it. */
  dest: string;
  baseUrl?: string;
  /** Injected fetch (tests); defaults to the global one. */
  fetch?: typeof fetch;
  onProgress?: (p: FetchProgress) => void;
  /** Where the download's progress line goes (bytes, rate, ETA); default nowhere. */
  progress?: ProgressSink;
  /** Expected sha256 (hex); when neither checksum is given the md5 of the record metadata is used. */
  sha256?: string;
  md5?: string;
  /** Member filter on the path inside the zip; default: summaries and 0.1C curves. */
  include?: (memberPath: string) => boolean;
}

/** What `fetchExperiment` did. */
export interface FetchResult {
  archive: string;
  bytes: number;
  /** True when an earlier `.part` was continued. */
  resumed: boolean;
  extracted: string[];
}

/** The default member filter: Summary Data and 0.1C Voltage Curves only. */
export function defaultInclude(memberPath: string): boolean {
  return !memberPath.endsWith("/") &&
    (memberPath.includes("/Summary Data/") || memberPath.includes("/0.1C Voltage Curves/"));
}

/** Archive file name of an experiment on Zenodo (`<experiment folder>.zip`). */
export function archiveName(experiment: string): string {
  return `${experimentByLabel(experiment).folder}.zip`;
}

/** Download URL (files API form `…/records/10637534/files/<name>.zip?download=1`). */
export function archiveUrl(experiment: string, baseUrl = ZENODO_BASE_URL): string {
  return `${baseUrl.replace(/\/$/, "")}/records/${ZENODO_RECORD}/files/${
    encodeURIComponent(archiveName(experiment))
  }?download=1`;
}

async function fileSize(path: string): Promise<number> {
  try {
    return (await Deno.stat(path)).size;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return 0;
    throw err;
  }
}

/** The md5 Zenodo lists for `name` in the record metadata (`checksum: "md5:<hex>"`). */
async function recordMd5(baseUrl: string, name: string, doFetch: typeof fetch): Promise<string> {
  const url = `${baseUrl.replace(/\/$/, "")}/api/records/${ZENODO_RECORD}`;
  const res = await doFetch(url);
  if (!res.ok) {
    throw new DataError("cannot read the record metadata", {
      file: url,
      expected: "HTTP 200",
      found: `HTTP ${res.status}`,
    });
  }
  const meta = await res.json() as { files?: { key?: string; checksum?: string }[] };
  const entry = meta.files?.find((f) => f.key === name);
  const md5 = entry?.checksum?.replace(/^md5:/, "");
  if (!md5) {
    throw new DataError("no checksum for the archive in the record metadata", {
      file: url,
      expected: `an entry '${name}'`,
      found: JSON.stringify(meta.files?.map((f) => f.key) ?? []),
    });
  }
  return md5;
}

/** Streams the response body into the `.part` file, appending when the server honoured the Range. */
async function download(
  url: string,
  part: string,
  o: FetchOptions,
): Promise<{ resumed: boolean; bytes: number }> {
  const doFetch = o.fetch ?? fetch;
  const have = await fileSize(part);
  const res = await doFetch(url, { headers: have > 0 ? { Range: `bytes=${have}-` } : {} });
  if (res.status === 416 && have > 0) {
    await res.body?.cancel();
    return { resumed: true, bytes: have }; // the .part is already complete
  }
  if (!res.ok || !res.body) {
    throw new DataError("download failed", {
      file: url,
      expected: "HTTP 200 or 206",
      found: `HTTP ${res.status}`,
    });
  }
  const resumed = res.status === 206 && have > 0;
  const start = resumed ? have : 0;
  const length = Number(res.headers.get("content-length") ?? NaN);
  const total = Number.isFinite(length) ? start + length : undefined;
  const file = await Deno.open(part, { write: true, create: true, append: resumed, truncate: !resumed });
  // Resumed bytes count toward the percentage, not the rate: they were not downloaded now.
  const task = (o.progress ?? silentProgress).start(`download ${basename(part, ".part")}`, total, {
    unit: "bytes",
    initial: start,
  });
  let received = start;
  try {
    for await (const chunk of res.body) {
      await writeAll(file, chunk);
      received += chunk.length;
      o.onProgress?.({ received, total });
      task.update(received);
    }
    task.finish(resumed ? "resumed" : undefined);
  } catch (err) {
    task.finish("failed");
    throw err;
  } finally {
    file.close();
  }
  return { resumed, bytes: received };
}

async function writeAll(file: Deno.FsFile, chunk: Uint8Array): Promise<void> {
  let at = 0;
  while (at < chunk.length) at += await file.write(chunk.subarray(at));
}

/** Hex digest of a file, streamed. */
async function digest(path: string, algorithm: "md5" | "sha256"): Promise<string> {
  const hash = createHash(algorithm);
  const file = await Deno.open(path);
  try {
    for await (const chunk of file.readable) hash.update(chunk);
  } finally {
    try {
      file.close();
    } catch { /* the readable closed it */ }
  }
  return hash.digest("hex");
}

/**
 * Compressed bytes handed to the inflater at a time. Deflate expands at most ~1032×, so one push produces at
 * most ~4 MB of output before it is written out (a 64 KB read of a zero-filled entry would give 66 MB).
 */
const PUSH_BYTES = 4096;

/** The target path of a member under `dest`; refuses names that would leave it. */
function memberTarget(archive: string, dest: string, name: string): string {
  const target = normalize(join(dest, name));
  if (name.split(/[\\/]/).includes("..") || !target.startsWith(normalize(dest))) {
    throw new DataError("archive member escapes the destination", { file: archive, found: name });
  }
  return target;
}

/** One member being written: its temp file, renamed to `target` once its last byte is written. */
interface OpenMember {
  target: string;
  temp: string;
  file: Deno.FsFile;
}

function writeAllSync(file: Deno.FsFile, chunk: Uint8Array): void {
  let at = 0;
  while (at < chunk.length) at += file.writeSync(chunk.subarray(at));
}

/**
 * Extracts the wanted members under `dest`, streaming each one to disk (fflate calls back synchronously,
 * so the writes are synchronous too: memory stays at one decompressed push). Returns the files written.
 */
async function extract(archive: string, dest: string, include: (p: string) => boolean): Promise<string[]> {
  const written: string[] = [];
  const open = new Set<OpenMember>();
  let failure: unknown;
  const unzip = new Unzip((member) => {
    if (!include(member.name) || failure !== undefined) return;
    const target = memberTarget(archive, dest, member.name);
    if (member.name.endsWith("/")) return void Deno.mkdirSync(target, { recursive: true });
    Deno.mkdirSync(dirname(target), { recursive: true });
    const temp = `${target}.part-${crypto.randomUUID().slice(0, 8)}`;
    const m: OpenMember = { target, temp, file: Deno.openSync(temp, { write: true, createNew: true }) };
    open.add(m);
    member.ondata = (err, data, final) => {
      if (failure !== undefined) return;
      try {
        if (err) {
          throw new DataError("corrupt archive member", {
            file: archive,
            column: member.name,
            found: String(err),
          });
        }
        writeAllSync(m.file, data);
        if (final) {
          m.file.close();
          open.delete(m);
          Deno.renameSync(m.temp, m.target);
          written.push(m.target);
        }
      } catch (e) {
        failure = e;
      }
    };
    member.start();
  });
  unzip.register(UnzipInflate);
  const file = await Deno.open(archive);
  try {
    for await (const chunk of file.readable) {
      for (let at = 0; at < chunk.length && failure === undefined; at += PUSH_BYTES) {
        unzip.push(chunk.subarray(at, at + PUSH_BYTES));
      }
      if (failure !== undefined) break;
    }
    if (failure === undefined) unzip.push(new Uint8Array(0), true);
  } catch (e) {
    // fflate throws plain Errors ("invalid zip data") on a cut or corrupt archive: say which file and member.
    failure ??= e instanceof DataError ? e : new DataError("unreadable archive", {
      file: archive,
      expected: "a complete zip",
      found: `${(e as Error).message}${
        open.size ? ` (cut short: ${[...open].map((m) => m.target).join(", ")})` : ""
      }`,
    });
  } finally {
    try {
      file.close();
    } catch { /* the readable closed it */ }
  }
  if (failure === undefined && open.size > 0) {
    failure = new DataError("archive ends inside a member", {
      file: archive,
      expected: "every member complete",
      found: `${[...open].map((m) => m.target).join(", ")} cut short`,
    });
  }
  for (const m of open) {
    try {
      m.file.close();
    } catch { /* already closed */ }
    await Deno.remove(m.temp).catch(() => {});
  }
  if (failure !== undefined) throw failure;
  return written;
}

/** Downloads (resuming), verifies and extracts one experiment's archive. */
export async function fetchExperiment(o: FetchOptions): Promise<FetchResult> {
  const name = archiveName(o.experiment);
  const baseUrl = o.baseUrl ?? ZENODO_BASE_URL;
  await Deno.mkdir(o.dest, { recursive: true });
  const archive = join(o.dest, name);
  const part = `${archive}.part`;
  const expected = o.sha256 ? { algorithm: "sha256" as const, hex: o.sha256.toLowerCase() } : {
    algorithm: "md5" as const,
    hex: (o.md5 ?? await recordMd5(baseUrl, name, o.fetch ?? fetch)).toLowerCase(),
  };
  const { resumed, bytes } = await download(archiveUrl(o.experiment, baseUrl), part, o);
  const found = await digest(part, expected.algorithm);
  if (found !== expected.hex) {
    await Deno.remove(part); // a corrupt .part must not be resumed
    throw new DataError("checksum mismatch", {
      file: archive,
      expected: `${expected.algorithm} ${expected.hex}`,
      found: `${expected.algorithm} ${found}`,
    });
  }
  await Deno.rename(part, archive);
  const extracted = await extract(archive, o.dest, o.include ?? defaultInclude);
  return { archive, bytes, resumed, extracted };
}
