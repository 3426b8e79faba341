/**
 * File IO helpers: atomic writes (every file the project writes goes through `writeFileAtomic`), CSV
 * writing that other tools read back unchanged, and a fast byte-level numeric CSV parser.
 */
export * from "./atomic_write.ts";
export * from "./csv_write.ts";
export * from "./numeric_csv.ts";
