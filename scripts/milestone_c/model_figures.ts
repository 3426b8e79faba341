/**
 * What milestone C draws of the models' insides, from one finished run reopened as it predicted
 * (`openRun`): the neural ODE's latent trajectories z(t) and LSTM-attention's attention maps, for the first
 * test cell of the run's first fold. A model that has neither gives no figure.
 */
import { dirname } from "node:path";
import { createLogger, observedPrefix, openRun, type SampleSet } from "../../mod.ts";
import { attentionHeatmap, Plot, type RenderedFigure, renderFigure } from "../../lib/plot/mod.ts";
import type { LstmAttnInstance } from "../../plugins/models/lstm_attn.ts";
import type { LatentTrajectories } from "../../plugins/models/neural_ode.ts";
import { daysPerUnit } from "../_shared/scored_rows.ts";

/** The figures of the run in `runDir` (`<output.dir>/runs/<id>`), by file name (without extension). */
export async function modelFigures(
  model: string,
  runDir: string,
  runId: string,
): Promise<Record<string, RenderedFigure>> {
  const run = await openRun(runId, {
    outputDir: dirname(dirname(runDir)),
    log: createLogger({ quiet: true }),
  });
  const fold = await run.fold();
  const test = await fold.samples();
  // Predicting fills the latents and attention maps the figures read.
  await fold.model.predict(test);
  const out: Record<string, RenderedFigure> = {};
  const latents = (fold.model as { latents?: () => LatentTrajectories | null }).latents?.();
  if (latents) out.latents = latentFigure(model, latents, test);
  const maps = (fold.model as Partial<LstmAttnInstance>).attention?.();
  if (maps) out.attention = attentionFigure(model, maps, test);
  return out;
}

/** The latent trajectories of the first test cell, one line per latent dimension. */
function latentFigure(model: string, latents: LatentTrajectories, set: SampleSet): RenderedFigure {
  const [, , L] = latents.shape, scale = daysPerUnit(set, 0);
  const points: { days: number; z: number; dim: string }[] = [];
  for (let s = 0; s < latents.lengths[0]; s++) {
    for (let d = 0; d < L; d++) {
      points.push({ days: latents.t[s] * scale, z: latents.z[s * L + d], dim: `z${d}` });
    }
  }
  const origin = set.t[Math.max(0, observedPrefix(set)[0] - 1)] * scale;
  return renderFigure({
    width: 720,
    height: 400,
    marginLeft: 56,
    marginBottom: 44,
    grid: true,
    color: { legend: false },
    x: { label: "time since the first RPT (days)" },
    y: { label: "latent state (–)" },
    marks: [
      Plot.ruleX([origin], { stroke: "#999", strokeDasharray: "2,3" }),
      Plot.line(points, { x: "days", y: "z", stroke: "dim", strokeWidth: 1.5 }),
    ],
  }, {
    title: `${model} latent trajectories, cell ${
      set.meta.cellKey[0]
    } (rule: forecast origin; flat before it)`,
  });
}

/** The first test cell's attention maps (rows: the step predicted). */
function attentionFigure(
  model: string,
  maps: NonNullable<ReturnType<LstmAttnInstance["attention"]>>,
  set: SampleSet,
): RenderedFigure {
  const [, heads, steps] = maps.shape;
  return attentionHeatmap({
    weights: maps.weights.subarray(0, heads * steps * steps),
    heads,
    steps,
    length: maps.lengths[0],
    labels: Array.from(set.meta.rpt.subarray(0, maps.lengths[0])),
    title: `${model} attention, cell ${maps.cellKeys[0]} (rows: predicted RPT)`,
  });
}
