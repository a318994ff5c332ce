/**
 * What the restore's line filters of a data part (data.sql) must tell apart, kept in one place so
 * they cannot drift: `restore --tables` (filter-data.ts) and the drill's pg_cron filter
 * (drill-extensions.ts). pg_dump's COPY blocks run from a line starting `COPY ` to a line that is
 * exactly `\.` (with a CR, or not); their rows are data, one line each, however they read.
 * Outside them, the pg_cron jobs that cron-jobs.ts writes at the end of data.sql are one line
 * each. The psql guard runs after these filters and checks what psql will read on its own.
 */
import { CRON_LINE_PREFIX } from './cron-jobs.js';

/**
 * One line, with or without its `\n`: latin1 text (one char per byte) or the bytes themselves,
 * so a byte filter need not decode its rows. Only ASCII is matched.
 */
export type DataLine = string | Uint8Array;

export type DataLineKind = 'copy-header' | 'copy-row' | 'copy-end' | 'cron-job' | 'other';

const code = (line: DataLine, i: number) =>
  typeof line === 'string' ? line.charCodeAt(i) : line[i];

function startsWith(line: DataLine, prefix: string): boolean {
  for (let i = 0; i < prefix.length; i++) if (code(line, i) !== prefix.charCodeAt(i)) return false;
  return true;
}

/** `\.`, then an optional CR and the optional LF, and nothing more. */
function isCopyEnd(line: DataLine): boolean {
  if (code(line, 0) !== 0x5c || code(line, 1) !== 0x2e) return false;
  let i = 2;
  if (code(line, i) === 0x0d) i++;
  if (code(line, i) === 0x0a) i++;
  return i === line.length;
}

/** Tells the lines of data.sql apart, one after another, tracking whether a COPY block is open. */
export class DataLines {
  private inCopy = false;

  /** A COPY block is open: data.sql must not end here. */
  get insideCopy(): boolean {
    return this.inCopy;
  }

  next(line: DataLine): DataLineKind {
    if (this.inCopy) {
      if (!isCopyEnd(line)) return 'copy-row';
      this.inCopy = false;
      return 'copy-end';
    }
    if (startsWith(line, 'COPY ')) {
      this.inCopy = true;
      return 'copy-header';
    }
    return startsWith(line, CRON_LINE_PREFIX) ? 'cron-job' : 'other';
  }
}
