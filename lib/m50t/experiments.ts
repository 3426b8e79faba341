/**
 * The five experiments of the LG M50T ageing study (Kirkaldy et al., J. Power Sources 603 (2024) 234185;
 * Zenodo record 10637534) and their 40 cells. Every cell fact below (chamber temperature, SoC window,
 * ageing sets, Performance Summary rows) is copied from `shared/data/m50t-cells.csv`; folder names are
 * those of the Zenodo archives (`shared/data/README.md`, "Real folder and file naming").
 */
import { DataError } from "../errors.ts";
import type { CellLimits } from "./plausibility.ts";

/** Experiment labels as they appear in file names ("2,2" keeps its comma). */
export const EXPERIMENT_LABELS = ["1", "2,2", "3", "4", "5"] as const;
/** One experiment label. */
export type ExperimentLabel = typeof EXPERIMENT_LABELS[number];

/** One cell of the study. */
export interface M50tCell {
  cell: string;
  /** Chamber set-point (°C) — from the file name and the study metadata, never measured. */
  chamberC: 10 | 25 | 40;
  /** Ageing SoC window ("0-30", "70-85", "85-100", "0-100") or "drivecycle". */
  socRange: string;
  /** Ageing sets completed (the last RPT index). */
  ageSets: number;
  /** Rows of the Performance Summary file (RPT0 … RPT<ageSets>). */
  summaryRows: number;
}

/** One experiment: label, archive folder, title and cells. */
export interface M50tExperiment {
  label: ExperimentLabel;
  /** Top-level folder of the Zenodo archive (also the archive's zip name without `.zip`). */
  folder: string;
  title: string;
  cells: readonly M50tCell[];
}

function cells(
  socRange: string,
  rows: ReadonlyArray<readonly [string, 10 | 25 | 40, number]>,
): M50tCell[] {
  return rows.map(([cell, chamberC, ageSets]) => ({
    cell,
    chamberC,
    socRange,
    ageSets,
    summaryRows: ageSets + 1,
  }));
}

/** The five experiments (m50t-cells.csv: experiment, cell, temperatureC, socRange, ageSets, rows). */
export const EXPERIMENTS: readonly M50tExperiment[] = [
  {
    label: "1",
    folder: "Expt 1 - Si-based Degradation",
    title: "Si-based degradation (0-30 % SoC)",
    cells: cells("0-30", [
      ["A", 10, 14],
      ["B", 10, 14],
      ["J", 10, 10],
      ["D", 25, 13],
      ["E", 25, 14],
      ["F", 25, 14],
      ["K", 40, 10],
      ["L", 40, 10],
      ["M", 40, 10],
    ]),
  },
  {
    label: "2,2",
    folder: "Expt 2,2 - C-based Degradation 2",
    title: "C-based degradation 2 (70-85 % SoC)",
    cells: cells("70-85", [
      ["A", 10, 12],
      ["B", 10, 12],
      ["C", 25, 12],
      ["D", 25, 12],
      ["E", 40, 12],
      ["F", 40, 12],
    ]),
  },
  {
    label: "3",
    folder: "Expt 3 - Cathode Degradation and Li-Plating",
    title: "Cathode degradation and Li plating (85-100 % SoC)",
    cells: cells("85-100", [
      ["A", 10, 10],
      ["B", 10, 10],
      ["C", 10, 10],
      ["D", 25, 11],
      ["E", 25, 11],
      ["F", 25, 11],
      ["G", 40, 11],
      ["H", 40, 12],
      ["I", 40, 12],
    ]),
  },
  {
    label: "4",
    folder: "Expt 4 - Drive Cycle Aging (Control)",
    title: "Drive cycle ageing (control)",
    cells: cells("drivecycle", [
      ["A", 10, 9],
      ["B", 10, 9],
      ["C", 10, 9],
      ["D", 25, 9],
      ["E", 25, 9],
      ["F", 40, 9],
      ["G", 40, 9],
      ["H", 40, 9],
    ]),
  },
  {
    label: "5",
    folder: "Expt 5 - Standard Cycle Aging (Control)",
    title: "Standard cycle ageing (control, 0-100 % SoC)",
    cells: cells("0-100", [
      ["A", 10, 15],
      ["B", 10, 15],
      ["C", 10, 15],
      ["D", 25, 15],
      ["E", 25, 15],
      ["F", 40, 15],
      ["G", 40, 15],
      ["H", 40, 15],
    ]),
  },
];

/** The experiment with this label; a DataError listing the labels when there is none. */
export function experimentByLabel(label: string): M50tExperiment {
  const found = EXPERIMENTS.find((e) => e.label === label);
  if (!found) {
    throw new DataError("unknown M50T experiment", {
      expected: `one of ${EXPERIMENT_LABELS.map((l) => `"${l}"`).join(", ")}`,
      found: JSON.stringify(label),
    });
  }
  return found;
}

/** The cellKey of a cell: "<experiment label>/<cell>". */
export function m50tCellKey(label: string, cell: string): string {
  return `${label}/${cell}`;
}

/**
 * What the plausibility checks of M50T data are relative to: LG INR21700-M50T, nominal 5 Ah; its 0.1C
 * discharge runs from 4.2 V to 2.5 V (the real curves start at ~4.17 V after the rest and end at 2.50 V).
 */
export const M50T_LIMITS: CellLimits = { nominalCapacityAh: 5, voltageWindowV: [2.5, 4.2] };

/** Parses a comma-separated list of experiment labels ("1,5"; "2,2" is one label). */
export function parseExperiments(text: string): string[] {
  const out: string[] = [];
  const parts = text.split(",").map((p) => p.trim());
  for (let i = 0; i < parts.length; i++) {
    if (parts[i] === "2" && parts[i + 1] === "2") {
      out.push("2,2");
      i++;
    } else out.push(parts[i]);
  }
  const bad = out.filter((l) => !(EXPERIMENT_LABELS as readonly string[]).includes(l));
  if (bad.length) {
    throw new Error(`unknown experiment ${bad.join(", ")}: expected ${EXPERIMENT_LABELS.join(", ")}`);
  }
  return out;
}
