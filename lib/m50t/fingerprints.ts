/**
 * Content hashes of the files a dataset read: paths are recorded as they are read (no cost on the hot path)
 * and hashed when `fingerprint()` is asked for, so a run manifest pins exactly the inputs it used.
 */

/** Records source paths and hashes them on demand (sha256, hex). */
export class FileFingerprints {
  readonly #paths = new Set<string>();
  readonly #hashes = new Map<string, string>();

  /** Notes that `path` was read. */
  add(path: string): void {
    this.#paths.add(path);
  }

  /** sha256 of every recorded file, by path (sorted). */
  async digests(): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const path of [...this.#paths].sort()) {
      let hex = this.#hashes.get(path);
      if (hex === undefined) {
        const bytes = await Deno.readFile(path);
        const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
        hex = Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
        this.#hashes.set(path, hex);
      }
      out[path] = hex;
    }
    return out;
  }
}
