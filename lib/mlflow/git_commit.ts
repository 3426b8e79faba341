/**
 * The commit a working folder is checked out at, read from `.git` directly (no `git` process: the CLI has
 * no --allow-run), for MLflow's `mlflow.source.git.commit` tag as MLflow's own client sets it. Handles
 * worktrees (`.git` as a file naming the git dir, refs in its common dir) and packed refs.
 */
import { dirname, join, resolve } from "node:path";

/** The 40-hex commit of HEAD for the checkout containing `start`, or undefined (not a checkout, no access). */
export async function gitCommit(start = "."): Promise<string | undefined> {
  try {
    const gitDir = await findGitDir(resolve(start));
    if (!gitDir) return undefined;
    const head = (await Deno.readTextFile(join(gitDir, "HEAD"))).trim();
    if (/^[0-9a-f]{40}$/.test(head)) return head;
    const ref = /^ref: (.+)$/.exec(head)?.[1];
    return ref ? await resolveRef(gitDir, ref) : undefined;
  } catch {
    return undefined;
  }
}

async function findGitDir(dir: string): Promise<string | undefined> {
  for (let d = dir;; d = dirname(d)) {
    const dotGit = join(d, ".git");
    const info = await Deno.stat(dotGit).catch(() => undefined);
    if (info?.isDirectory) return dotGit;
    if (info?.isFile) {
      const target = /^gitdir: (.+)$/m.exec(await Deno.readTextFile(dotGit))?.[1];
      return target ? resolve(d, target.trim()) : undefined;
    }
    if (dirname(d) === d) return undefined;
  }
}

async function resolveRef(gitDir: string, ref: string): Promise<string | undefined> {
  const common = await Deno.readTextFile(join(gitDir, "commondir")).then(
    (c) => resolve(gitDir, c.trim()),
    () => gitDir,
  );
  for (const dir of [gitDir, common]) {
    const sha = await Deno.readTextFile(join(dir, ref)).then((s) => s.trim(), () => undefined);
    if (sha && /^[0-9a-f]{40}$/.test(sha)) return sha;
  }
  const packed = await Deno.readTextFile(join(common, "packed-refs")).catch(() => "");
  for (const line of packed.split("\n")) {
    const [sha, name] = line.trim().split(" ");
    if (name === ref && /^[0-9a-f]{40}$/.test(sha)) return sha;
  }
  return undefined;
}
