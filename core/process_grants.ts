/**
 * What the CLI process reads and loads whatever the command, measured on Deno 2.9.6: the project folder
 * (configs, the plugin lock, artifacts), BatteryML's own folder (the shipped fonts), the npm packages in
 * node_modules (their files, tfjs's wasm) and, as ffi, the native addons of nodejs-polars and resvg-js for
 * this platform — nothing else is native. Deno checks these grants against real paths (a symlinked
 * node_modules is granted where it points). Deno's own cache (DENO_DIR) is not read with a local
 * node_modules.
 */
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** Read and ffi grants of the process itself (absolute, real paths). */
export interface ProcessGrants {
  read: string[];
  ffi: string[];
}

/** BatteryML's own folder (where deno.json and node_modules are). */
const OWN_ROOT = fileURLToPath(new URL("..", import.meta.url));

/** The npm packages with native addons the platform loads (package name prefix in node_modules/.deno). */
const NATIVE_PACKAGES = ["nodejs-polars-", "@resvg+resvg-js-"];

/** The process's own grants; the addons are found in node_modules for this platform. */
export async function processGrants(): Promise<ProcessGrants> {
  const nodeModules = await realPath(join(OWN_ROOT, "node_modules"));
  const read = [resolve(Deno.cwd()), resolve(OWN_ROOT)];
  if (nodeModules) read.push(nodeModules);
  return { read: [...new Set(read)], ffi: nodeModules ? await nativeAddons(nodeModules) : [] };
}

/**
 * The `.node` files of the native packages built for this platform (napi-rs names them
 * `<package>-<os>-<arch>[-<libc>]`), as real paths: what `--allow-ffi` must name.
 */
export async function nativeAddons(nodeModules: string): Promise<string[]> {
  const platform = napiPlatform();
  const out: string[] = [];
  for await (const entry of Deno.readDir(join(nodeModules, ".deno"))) {
    const pkg = NATIVE_PACKAGES.find((p) => entry.name.startsWith(`${p}${platform}@`));
    if (!pkg) continue;
    const name = entry.name.slice(0, entry.name.lastIndexOf("@")).replace("+", "/");
    const dir = join(nodeModules, ".deno", entry.name, "node_modules", name);
    for await (const file of Deno.readDir(dir)) {
      if (file.name.endsWith(".node")) out.push(await Deno.realPath(join(dir, file.name)));
    }
  }
  return out.sort();
}

/** napi-rs's platform words for this process: `linux-x64-gnu`, `darwin-arm64`, `win32-x64-msvc`. */
export function napiPlatform(): string {
  const arch = { x86_64: "x64", aarch64: "arm64" }[Deno.build.arch];
  if (Deno.build.os === "windows") return `win32-${arch}-msvc`;
  if (Deno.build.os === "linux") {
    return `linux-${arch}-${Deno.build.target.endsWith("musl") ? "musl" : "gnu"}`;
  }
  return `${Deno.build.os}-${arch}`;
}

async function realPath(path: string): Promise<string | undefined> {
  try {
    return await Deno.realPath(path);
  } catch {
    return undefined;
  }
}
