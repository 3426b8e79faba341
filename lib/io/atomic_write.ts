/**
 * Atomic file writes: write a temp file in the target's folder, then rename over the target, so a reader
 * (or a crash) never sees a half-written file and the previous content survives a failed write.
 */
import { dirname, join } from "node:path";

/** Writes `data` to `path` atomically, creating the parent folder. */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const dir = dirname(path);
  await Deno.mkdir(dir, { recursive: true });
  const tmp = join(dir, `.${crypto.randomUUID()}.tmp`);
  try {
    if (typeof data === "string") await Deno.writeTextFile(tmp, data);
    else await Deno.writeFile(tmp, data);
    await Deno.rename(tmp, path);
  } catch (err) {
    await Deno.remove(tmp).catch(() => {});
    throw err;
  }
}
