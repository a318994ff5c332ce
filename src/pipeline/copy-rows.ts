/**
 * Counts the rows of every COPY block in a plain-format dump as it streams by, so backup.json
 * records exact per-table row counts from the dump's own snapshot at no extra query cost.
 * In COPY text format each row is one line (newlines inside values are escaped) and a block
 * ends with a line "\.".
 */
import { Transform, type TransformCallback } from 'node:stream';

export interface TableRows {
  schema: string;
  name: string;
  rows: number;
}

const NL = 0x0a;
const COPY_HEADER = /^COPY (?:ONLY )?("(?:[^"]|"")+"|[^ ."]+)\.("(?:[^"]|"")+"|[^ ."(]+)/;

function unquote(ident: string): string {
  return ident.startsWith('"') ? ident.slice(1, -1).replace(/""/g, '"') : ident;
}

export class CopyRowCounter extends Transform {
  readonly tables: TableRows[] = [];
  private current: TableRows | null = null;
  /** Bytes of an unfinished line carried over from the previous chunk (only kept when short). */
  private carry: Buffer = Buffer.alloc(0);
  private carryIsLong = false;

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(NL, start);
      if (nl === -1) break;
      this.line(chunk, start, nl);
      start = nl + 1;
    }
    this.keepTail(chunk, start);
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    if (this.current)
      return done(
        new Error(`dump ended inside the data of ${this.current.schema}.${this.current.name}`),
      );
    done();
  }

  private keepTail(chunk: Buffer, start: number): void {
    if (start >= chunk.length) return;
    // Only the first bytes of a line matter (a header or the "\." terminator); don't grow unbounded.
    if (this.carry.length < 4096)
      this.carry = Buffer.concat([this.carry, chunk.subarray(start, start + 4096)]);
    else this.carryIsLong = true;
  }

  private line(chunk: Buffer, start: number, end: number): void {
    let head: Buffer;
    if (this.carry.length > 0 || this.carryIsLong) {
      head = Buffer.concat([this.carry, chunk.subarray(start, Math.min(end, start + 4096))]);
      this.carry = Buffer.alloc(0);
      this.carryIsLong = false;
    } else {
      head = chunk.subarray(start, Math.min(end, start + 4096));
    }
    if (this.current) {
      if (head.length === 2 && head[0] === 0x5c && head[1] === 0x2e) this.current = null;
      else this.current.rows++;
      return;
    }
    if (head.length > 5 && head[0] === 0x43 /* C */ && head.subarray(0, 5).toString() === 'COPY ') {
      const m = COPY_HEADER.exec(head.toString('utf8'));
      if (m) {
        this.current = { schema: unquote(m[1]!), name: unquote(m[2]!), rows: 0 };
        this.tables.push(this.current);
      }
    }
  }
}
