/**
 * Lists the files an artifact call refers to: a file is itself, a folder is every file below it, with
 * POSIX relative paths (artifact paths are POSIX on every platform).
 */
import { join } from "node:path";

/** A local file and its path relative to the artifact root. */
export interface LocalFile {
  absolute: string;
  relative: string;
}

/** The files under `path` (or `path` itself when it is a file), sorted for a stable upload order. */
export async function listFiles(path: string, relative = ""): Promise<LocalFile[]> {
  const info = await Deno.stat(path);
  if (info.isFile) return [{ absolute: path, relative }];
  const out: LocalFile[] = [];
  const entries: string[] = [];
  for await (const entry of Deno.readDir(path)) entries.push(entry.name);
  for (const name of entries.sort()) {
    out.push(...await listFiles(join(path, name), relative ? `${relative}/${name}` : name));
  }
  return out;
}
