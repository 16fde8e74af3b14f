import type { StepMetrics } from './step.js';

/** Epoch-level sums of one loss. */
export interface LossTotals {
  sum: number;
  error: number;
  frames: number;
}

/** Accumulates per-batch metrics over an epoch or an evaluation pass. */
export class MetricsAccumulator {
  readonly totals: Record<string, LossTotals> = {};
  samples = 0;

  add(m: StepMetrics, batchSize: number): void {
    this.samples += batchSize;
    for (const [name, v] of Object.entries(m.losses)) {
      const t = (this.totals[name] ??= { sum: 0, error: 0, frames: 0 });
      t.sum += v.sum;
      t.error += v.error;
      t.frames += v.frames;
    }
  }

  /** Per loss: normalised loss (sum / frames, RETURNN's `cost:`) and error rate (`error:`). */
  result(): EvalResult {
    const losses: EvalResult['losses'] = {};
    for (const [name, t] of Object.entries(this.totals)) {
      losses[name] = { loss: t.sum / Math.max(1, t.frames), errorRate: t.error / Math.max(1, t.frames), frames: t.frames };
    }
    const main = Object.values(losses)[0];
    return { losses, loss: main?.loss ?? NaN, errorRate: main?.errorRate ?? NaN, accuracy: main ? 1 - main.errorRate : NaN, samples: this.samples };
  }
}

/** Loss and error over a dataset. `loss`, `errorRate` and `accuracy` are those of the first loss. */
export interface EvalResult {
  losses: Record<string, { loss: number; errorRate: number; frames: number }>;
  loss: number;
  errorRate: number;
  /** `1 - errorRate`, in [0, 1]. */
  accuracy: number;
  samples: number;
}

/** `loss 0.1234 error 3.45%` */
export function formatResult(r: EvalResult): string {
  return `loss ${r.loss.toFixed(4)} error ${(100 * r.errorRate).toFixed(2)}%`;
}

/** The one summary line per epoch. */
export function formatEpochLine(epoch: number, epochs: number, train: EvalResult, dev: EvalResult | null, seconds: number): string {
  const parts = [
    `epoch ${String(epoch).padStart(String(epochs).length)}/${epochs}`,
    `train ${formatResult(train)}`,
    dev ? `dev ${formatResult(dev)} accuracy ${(100 * dev.accuracy).toFixed(2)}%` : '',
    `${Math.round(train.samples / seconds)} samples/s`,
    `${seconds.toFixed(1)} s`,
  ];
  return parts.filter(Boolean).join(' | ');
}
