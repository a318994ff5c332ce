/** A line every few seconds while a set moves: `<label>: 412.0 MiB of 1.2 GiB uploaded (38.5 MiB/s)`. */
import { formatBytes } from '../../format.js';
import type { Logger } from '../../log.js';

export class Progress {
  done = 0;
  total = 0;
  private started = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly logger: Logger,
    private readonly label: string,
    private readonly verb: string,
    private readonly intervalMs = 5000,
  ) {}

  /** Ticks from now on; `total` may still grow (a download learns its sizes as it lists). */
  start(total = 0): void {
    this.total = total;
    this.started = Date.now();
    this.timer = setInterval(() => {
      const rate = (this.done * 1000) / Math.max(1, Date.now() - this.started);
      this.logger.info(
        `${this.label}: ${formatBytes(this.done)} of ${formatBytes(this.total)} ${this.verb} (${formatBytes(rate)}/s)`,
      );
    }, this.intervalMs);
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
