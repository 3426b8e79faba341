import assert from "node:assert/strict";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parse } from "yaml";
import { artifactsAncestor, fileStorePath } from "../../../lib/mlflow/store_location.ts";
import { gitCommit } from "../../../lib/mlflow/git_commit.ts";
import { migrateFileStore } from "../../../lib/mlflow/migrate_store.ts";
import { FileStore } from "../../../lib/mlflow/file_store.ts";

Deno.test("a file store below a folder named artifacts is found at any depth; look-alikes are not", () => {
  assert.equal(artifactsAncestor("/srv/artifacts/mlruns"), "/srv/artifacts");
  assert.equal(artifactsAncestor("/srv/artifacts"), "/srv/artifacts");
  assert.equal(artifactsAncestor("artifacts/x/mlruns"), resolve("artifacts"));
  assert.equal(artifactsAncestor("/srv/my_artifacts/mlruns"), undefined);
  assert.equal(artifactsAncestor("mlruns"), undefined);
  assert.equal(fileStorePath("file:./mlruns"), "./mlruns");
  assert.equal(fileStorePath("file:///srv/x"), "/srv/x");
});

Deno.test("gitCommit reads HEAD: a branch ref, packed refs, a detached HEAD and a worktree's .git file", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "gitcommit-" });
  try {
    const a = "a".repeat(40), b = "b".repeat(40), c = "c".repeat(40);
    const git = join(tmp, "repo", ".git");
    await Deno.mkdir(join(git, "refs", "heads"), { recursive: true });
    await Deno.writeTextFile(join(git, "HEAD"), "ref: refs/heads/main\n");
    await Deno.writeTextFile(join(git, "refs", "heads", "main"), `${a}\n`);
    await Deno.mkdir(join(tmp, "repo", "sub", "dir"), { recursive: true });
    assert.equal(await gitCommit(join(tmp, "repo", "sub", "dir")), a, "found from a sub-folder");
    await Deno.writeTextFile(join(git, "HEAD"), "ref: refs/heads/packed\n");
    await Deno.writeTextFile(join(git, "packed-refs"), `# pack-refs with: peeled\n${b} refs/heads/packed\n`);
    assert.equal(await gitCommit(join(tmp, "repo")), b);
    // A worktree: .git is a file naming its git dir, whose commondir holds the shared refs.
    const wtGit = join(git, "worktrees", "wt");
    await Deno.mkdir(wtGit, { recursive: true });
    await Deno.writeTextFile(join(wtGit, "HEAD"), "ref: refs/heads/main\n");
    await Deno.writeTextFile(join(wtGit, "commondir"), "../..\n");
    await Deno.mkdir(join(tmp, "wt"));
    await Deno.writeTextFile(join(tmp, "wt", ".git"), `gitdir: ${wtGit}\n`);
    assert.equal(await gitCommit(join(tmp, "wt")), a);
    await Deno.writeTextFile(join(wtGit, "HEAD"), `${c}\n`);
    assert.equal(await gitCommit(join(tmp, "wt")), c, "detached HEAD");
    assert.equal(await gitCommit(tmp), undefined, "not a checkout");
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("migrateFileStore moves a store out of artifacts/ and rewrites every artifact location", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "migrate-" });
  try {
    const from = join(tmp, "artifacts", "mlruns"), to = join(tmp, "mlruns");
    const store = new FileStore(pathToFileURL(from).href);
    const exp = await store.ensureExperiment("batteryml");
    const run = await store.createRun(exp, {
      runName: "r1",
      startTime: 1,
      userId: "u",
      tags: {},
    });
    await run.logArtifactBytes("config.yaml", "a: 1\n");
    await run.logMetrics([{ key: "rmse", value: 0.5, timestamp: 2, step: 0 }]);
    await run.end("FINISHED", 3);
    await Deno.mkdir(to);
    await assert.rejects(() => migrateFileStore(from, to), /exists already/);
    assert.ok((await Deno.stat(join(from, "0", "meta.yaml"))).isFile, "nothing changed on refusal");
    await Deno.remove(to);
    const result = await migrateFileStore(from, to);
    assert.deepEqual([result.experiments, result.runs], [2, 1]);
    assert.equal(result.rewritten, 3, "two experiments' artifact_location, one run's artifact_uri");
    assert.equal(await Deno.stat(from).then(() => true, () => false), false, "the old store is gone");
    const expDirs = [...Deno.readDirSync(to)].filter((e) =>
      e.isDirectory && !e.name.startsWith(".") && e.name !== "0"
    );
    const expDir = join(to, expDirs[0].name);
    const expMeta = parse(await Deno.readTextFile(join(expDir, "meta.yaml")));
    assert.equal(expMeta.artifact_location, pathToFileURL(expDir).href);
    const runDir = join(expDir, [...Deno.readDirSync(expDir)].find((e) => e.isDirectory)!.name);
    const runMeta = parse(await Deno.readTextFile(join(runDir, "meta.yaml")));
    assert.equal(runMeta.artifact_uri, pathToFileURL(join(runDir, "artifacts")).href);
    assert.equal(await Deno.readTextFile(join(runDir, "artifacts", "config.yaml")), "a: 1\n");
    assert.match(await Deno.readTextFile(join(runDir, "metrics", "rmse")), /^2 0\.5 0$/m);
    await assert.rejects(
      () => migrateFileStore(join(tmp, "nowhere"), join(tmp, "x")),
      /no MLflow file store/,
    );
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});
