/** A line every few seconds while a set moves: `<label>: 412.0 MiB of 1.2 GiB uploaded (38.5 MiB/s)`. */
import { formatBytes } from '../../format.js';
import type { Logger } from '../../log.js';

export class Progress {
  done = 0;
  total = 0;
  private readonly started = Date.now();
  private readonly timer: NodeJS.Timeout;

  constructor(logger: Logger, label: string, verb: string, intervalMs = 5000) {
    this.timer = setInterval(() => {
      const rate = (this.done * 1000) / Math.max(1, Date.now() - this.started);
      logger.info(
        `${label}: ${formatBytes(this.done)} of ${formatBytes(this.total)} ${verb} (${formatBytes(rate)}/s)`,
      );
    }, intervalMs);
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
