/**
 * Typed errors of the platform. Each says where (file, row, column, key, specifier), what was expected
 * and what was found, so one line is enough for a user to fix the input.
 */

export { BatteryMLError, DataError, type DataLocation } from "../lib/errors.ts";
import { BatteryMLError } from "../lib/errors.ts";

/** A config key whose value is not what the schema expects. */
export class ConfigError extends BatteryMLError {
  readonly keyPath: string;
  constructor(keyPath: string, message: string, options?: ErrorOptions) {
    super("CONFIG", keyPath ? `config key '${keyPath}': ${message}` : message, options);
    this.keyPath = keyPath;
  }
}

/** A plugin that cannot be found, loaded, verified or validated. */
export class PluginError extends BatteryMLError {
  readonly specifier: string;
  constructor(specifier: string, message: string, options?: ErrorOptions) {
    super("PLUGIN", `plugin '${specifier}': ${message}`, options);
    this.specifier = specifier;
  }
}

/** Where a model's output went wrong: which model, fold and cell (each when known). */
export interface ModelLocation {
  model: string;
  fold?: string;
  cellKey?: string;
}

/** A model whose output cannot be scored (NaN/Inf, too short, all masked): names model, fold and cell. */
export class ModelError extends BatteryMLError {
  readonly model: string;
  readonly fold?: string;
  readonly cellKey?: string;
  constructor(location: ModelLocation, message: string, options?: ErrorOptions) {
    const where = [
      `model '${location.model}'`,
      location.fold !== undefined ? `fold '${location.fold}'` : "",
      location.cellKey !== undefined ? `cell '${location.cellKey}'` : "",
    ].filter((s) => s !== "").join(", ");
    super("MODEL", `${where}: ${message}`, options);
    this.model = location.model;
    this.fold = location.fold;
    this.cellKey = location.cellKey;
  }
}

/** A pipeline or model read a cell outside the View it was given. */
export class LeakageError extends BatteryMLError {
  readonly cellKey: string;
  constructor(cellKey: string, allowed: readonly string[]) {
    super(
      "LEAKAGE",
      `cell '${cellKey}' is outside this view (allowed: ${allowed.join(", ") || "none"}); ` +
        "a pipeline may only read the cells it was given",
    );
    this.cellKey = cellKey;
  }
}

/** A sandboxed plugin tried something its declared (and approved) permissions do not grant. */
export class PluginPermissionError extends PluginError {
  readonly plugin: string;
  readonly permission: string;
  /** What was denied and what was granted. */
  readonly detail: string;
  constructor(specifier: string, plugin: string, permission: string, detail: string, options?: ErrorOptions) {
    super(
      specifier,
      `'${plugin}' was denied ${permission} access in its sandbox (${detail}); a plugin gets only the ` +
        "permissions it declares (a URL plugin: those the user approved at 'batteryml plugins add')",
      options,
    );
    this.plugin = plugin;
    this.permission = permission;
    this.detail = detail;
  }
}
