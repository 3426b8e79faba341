/**
 * Learning-rate schedules, stepped once per epoch (as PyTorch's schedulers are when stepped per epoch):
 * constant, cosine annealing over all epochs, and cosine annealing with warm restarts (SGDR, Loshchilov
 * & Hutter 2017, period T₀ = restart_period, T_mult = 1, η_min = 0).
 */

/** Which schedule and its parameters. */
export interface ScheduleSettings {
  schedule: "constant" | "cosine" | "cosine_restarts";
  learning_rate: number;
  restart_period: number;
}

/** Learning rate of 0-based `epoch` out of `totalEpochs`. */
export function learningRateAt(s: ScheduleSettings, epoch: number, totalEpochs: number): number {
  const cosine = (pos: number, period: number) =>
    0.5 * s.learning_rate * (1 + Math.cos(Math.PI * pos / period));
  switch (s.schedule) {
    case "constant":
      return s.learning_rate;
    case "cosine":
      return cosine(Math.min(epoch, totalEpochs), Math.max(1, totalEpochs));
    case "cosine_restarts":
      return cosine(epoch % s.restart_period, s.restart_period);
  }
}
