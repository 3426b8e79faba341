/**
 * Path and `npm:` plugins in the sandbox. They are local code — a file in the project, a package in the
 * project's frozen lock — so no `plugins add` is needed: being there is the user's approval of the
 * permissions the definition declares (shown in plain sight in its source). The sandbox still holds them
 * to exactly that declaration: never ffi, run or sys, and nothing to read beyond their own folder.
 *
 * Loading takes two steps, as `plugins add` then `run` do for URL plugins: what a definition declares is
 * learned by importing the module in a sandbox with no permission (its top-level code runs there first),
 * and only a definition that declares permissions is imported again, in a second sandbox holding exactly
 * those. Either way the module never holds more than it declares.
 */
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { PluginError, PluginPermissionError } from "../errors.ts";
import {
  type DeclaredPermissions,
  describePermissions,
  NO_PERMISSIONS,
  parseDeclaredPermissions,
} from "./declared_permissions.ts";
import {
  type OpenSandbox,
  openSandbox,
  type SandboxDescription,
  type SandboxOptions,
} from "./sandboxed_plugin.ts";

/** A local plugin's sandbox, its module loaded, and what it was granted. */
export interface LocalSandbox {
  sandbox: OpenSandbox;
  permissions: DeclaredPermissions;
}

/**
 * Opens the sandbox of a path plugin (`rootUrl` a file URL: its folder is readable) or an `npm:` plugin
 * (`rootUrl` the specifier: Deno reads the project's node_modules itself), with the permissions its
 * definition declares. `check` refuses a description (kind, shape, a loss) before anything is granted.
 */
export async function openLocalSandbox(
  specifier: string,
  rootUrl: string,
  options: SandboxOptions,
  check: (d: SandboxDescription) => void,
): Promise<LocalSandbox> {
  const readable = rootUrl.startsWith("file:") ? [dirname(fileURLToPath(rootUrl))] : [];
  const modules = { rootUrl, readable };
  if (rootUrl.startsWith("file:")) await mustExist(specifier, rootUrl);
  const first = await openSandbox(specifier, modules, NO_PERMISSIONS, options).catch((err) => {
    throw importError(specifier, rootUrl, err, readable);
  });
  const declared = parseDeclaredPermissions(first.description.permissions);
  try {
    check(first.description);
    if ("problems" in declared) {
      throw new PluginError(specifier, `invalid definition: ${declared.problems.join("; ")}`);
    }
  } catch (err) {
    first.process.stop("refused");
    throw err;
  }
  if (describePermissions(declared) === "none") return { sandbox: first, permissions: declared };
  first.process.stop("reopened with the declared permissions");
  const granted = await openSandbox(specifier, modules, declared, options);
  return { sandbox: granted, permissions: declared };
}

async function mustExist(specifier: string, fileUrl: string): Promise<void> {
  try {
    await Deno.stat(fileURLToPath(fileUrl));
  } catch (err) {
    const why = err instanceof Deno.errors.NotFound ? "no such file" : (err as Error).message;
    throw new PluginError(specifier, `cannot import ${fileUrl}: ${why}`, { cause: err });
  }
}

/**
 * Why the module graph did not load, as a PluginError. A read denied while a path plugin loads is most
 * often an import from outside its folder (mod.ts, another folder of the project): say what a sandboxed
 * plugin may import.
 */
function importError(specifier: string, rootUrl: string, err: unknown, readable: string[]): unknown {
  if (err instanceof PluginPermissionError && err.permission === "read" && readable.length) {
    return new PluginPermissionError(
      err.specifier,
      err.plugin,
      "read",
      `${err.detail}. While loading, a path plugin may import the files under ${readable[0]}, the plugin ` +
        "API plugin.ts (not mod.ts: it needs ffi), node: built-ins and npm: packages of the project's lock",
      { cause: err.cause },
    );
  }
  if (err instanceof PluginError) return err;
  const message = ((err as Error).message ?? String(err)).split("\n")[0];
  const hint = specifier.startsWith("npm:")
    ? " (npm plugins must be in deno.json's imports — `deno add` them — because the lock is frozen)"
    : "";
  return new PluginError(specifier, `cannot import ${rootUrl}: ${message}${hint}`, { cause: err });
}
