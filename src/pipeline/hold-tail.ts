/**
 * Holds back a data part's text after its last COPY block: pg_dump writes its sequences'
 * `setval` calls there, and setval is not undone by a rollback. A streamed restore (see
 * src/restore/stream-apply.ts) sends that tail to psql only once every digest of the set has
 * matched, so a damaged set never moves a sequence the target already had.
 *
 * Text after a COPY terminator line (`\.`) is held until a line starting with `COPY ` releases it
 * (it was only SET/SELECT between two tables); what is still held at the end is heldTail(). The
 * bytes and their order are unchanged, only delayed; the split is at a statement start. Held text
 * over `limit` bytes is released (memory stays bounded; such a set gets no delay).
 */
import { Transform, type TransformCallback } from 'node:stream';

const TERM = Buffer.from('\n\\.\n');
const COPY_LINE = Buffer.from('\nCOPY ');
const EMPTY = Buffer.alloc(0);

/** The length of the longest end of buf[from..] that is a terminator's start ("\n", "\n\\", "\n\\."). */
function straddling(buf: Buffer, from: number): number {
  for (let k = Math.min(TERM.length - 1, buf.length - from); k > 0; k--)
    if (buf.subarray(buf.length - k).equals(TERM.subarray(0, k))) return k;
  return 0;
}

export class HoldTail extends Transform {
  private holding = false;
  /** Not yet passed on: a possible terminator's start, or (holding) the held text. */
  private pending: Buffer = EMPTY;
  private scanFrom = 0;
  private tail: Buffer = EMPTY;

  constructor(private readonly limit = 8 * 1024 * 1024) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    let buf = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk;
    let from = this.scanFrom;
    this.pending = EMPTY;
    this.scanFrom = 0;
    for (;;) {
      if (!this.holding) {
        const t = buf.indexOf(TERM, from);
        if (t < 0) {
          // A terminator may straddle the next chunk: keep its possible start, only when the
          // chunk ends with one (else the next chunk would be copied to join it, every time).
          const keep = buf.length - straddling(buf, from);
          if (keep > 0) this.push(buf.subarray(0, keep));
          this.pending = buf.subarray(keep);
          return done();
        }
        this.push(buf.subarray(0, t + TERM.length));
        buf = buf.subarray(t + TERM.length);
        from = 0;
        this.holding = true;
        continue;
      }
      // Held text starts at a line start: a COPY header there, or on any later line, releases it.
      const c = buf.subarray(0, 5).equals(COPY_LINE.subarray(1)) ? 0 : buf.indexOf(COPY_LINE, from);
      if (c >= 0 || buf.length > this.limit) {
        this.holding = false;
        from = c >= 0 ? c : buf.length;
        continue;
      }
      this.pending = buf;
      this.scanFrom = Math.max(0, buf.length - (COPY_LINE.length - 1));
      return done();
    }
  }

  override _flush(done: TransformCallback): void {
    if (this.holding) this.tail = this.pending;
    else if (this.pending.length > 0) this.push(this.pending);
    this.pending = EMPTY;
    done();
  }

  /** What was held back at the end (once the stream has finished). */
  heldTail(): Buffer {
    return this.tail;
  }
}
