import cliProgress from 'cli-progress';

/** Options of {@link EpochProgress}. */
export interface EpochProgressOptions {
  /** Whether to draw the bar. Default: when stderr is a terminal (`process.stderr.isTTY`). */
  enabled?: boolean;
}

/** A per-epoch progress bar on stderr (only on a terminal), from `cli-progress`. */
export class EpochProgress {
  private bar: cliProgress.SingleBar | null = null;
  private readonly enabled: boolean;

  constructor(options: EpochProgressOptions = {}) {
    this.enabled = options.enabled ?? Boolean(process.stderr.isTTY);
  }

  start(epoch: number, epochs: number, batches: number): void {
    if (!this.enabled) return;
    this.bar = new cliProgress.SingleBar(
      {
        format: `epoch ${epoch}/${epochs} [{bar}] {value}/{total} batches | loss {loss} | {rate} samples/s | eta {eta}s`,
        stream: process.stderr,
        clearOnComplete: true,
        hideCursor: true,
      },
      cliProgress.Presets.shades_classic,
    );
    this.bar.start(batches, 0, { loss: '-', rate: '-' });
  }

  update(done: number, loss: number, samplesPerSecond: number): void {
    this.bar?.update(done, { loss: loss.toFixed(4), rate: Math.round(samplesPerSecond) });
  }

  stop(): void {
    this.bar?.stop();
    this.bar = null;
  }
}
