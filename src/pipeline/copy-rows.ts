/**
 * Reads the COPY blocks of a plain-format dump as it streams by: per table, the exact row count
 * from the dump's own snapshot, the columns in COPY order, and an order-independent content
 * digest (row-digest.ts), at no extra query cost. In COPY text format each row is one line
 * (newlines inside values are escaped) and a block ends with a line "\.".
 *
 * Rows are always counted; digests only when asked (a backup asks when the set is drilled).
 *
 * Bare mode reads what `COPY ... TO STDOUT` statements print one after another, each followed by
 * a "\." line (the drill's re-read of restored tables): blocks without headers, in order.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { RowDigest } from './row-digest.js';

export interface TableRows {
  schema: string;
  name: string;
  rows: number;
  /** The columns the COPY lists, in its order (empty in bare mode). */
  columns: string[];
  /** The order-independent digest of the block's rows (row-digest.ts), when asked for. */
  digest?: string;
}

export interface CopyRowOptions {
  /** Headerless blocks, one after another (the drill's re-read of restored tables). */
  bare?: boolean;
  /**
   * Digest every row (default). Off, only rows are counted: hashing every byte costs ~3.5 CPU s
   * per GB, paid only when something compares the digests (docs/benchmarks.md).
   */
  digests?: boolean;
}

const NL = 0x0a;
const IDENT = String.raw`"(?:[^"]|"")+"|[^ ."(,]+`;
const COPY_HEADER = new RegExp(
  String.raw`^COPY (?:ONLY )?(${IDENT})\.(${IDENT})(?: \((.*)\))? FROM stdin;\s*$`,
);
const COLUMN = new RegExp(String.raw`\s*(${IDENT})\s*(?:,|$)`, 'y');
/** A header line longer than this is not one (it bounds what is kept of other lines). */
const HEAD_LIMIT = 1 << 20;

function unquote(ident: string): string {
  return ident.startsWith('"') ? ident.slice(1, -1).replace(/""/g, '"') : ident;
}

function parseColumns(list: string | undefined): string[] {
  const columns: string[] = [];
  if (!list) return columns;
  COLUMN.lastIndex = 0;
  for (let m = COLUMN.exec(list); m; m = COLUMN.exec(list)) {
    columns.push(unquote(m[1]!));
    if (COLUMN.lastIndex >= list.length) break;
  }
  return columns;
}

const isEndMarker = (b: Buffer) => b.length === 2 && b[0] === 0x5c && b[1] === 0x2e;

export class CopyRowCounter extends Transform {
  readonly tables: TableRows[] = [];
  private current: { table: TableRows; digest: RowDigest | null } | null = null;
  /** Length and first two bytes of a row that spans chunks. */
  private rowLen = 0;
  private rowHead: Buffer = Buffer.alloc(0);
  /** The start of a line outside a block that spans chunks. */
  private head: Buffer[] = [];
  private headLen = 0;

  private readonly bare: boolean;
  private readonly digests: boolean;

  constructor(options: CopyRowOptions = {}) {
    super();
    this.bare = options.bare ?? false;
    this.digests = options.digests ?? true;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    let start = 0;
    while (start < chunk.length) {
      if (!this.current && this.bare) this.open('', '', []);
      if (this.current && !this.current.digest && this.rowLen === 0) {
        start = this.countRows(chunk, start);
        continue;
      }
      const nl = chunk.indexOf(NL, start);
      const piece = chunk.subarray(start, nl === -1 ? chunk.length : nl);
      if (this.current) this.rowPiece(piece, nl !== -1);
      else this.headPiece(piece, nl !== -1);
      if (nl === -1) break;
      start = nl + 1;
    }
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    if (this.current)
      return done(
        new Error(
          this.bare
            ? 'COPY output ended inside a table'
            : `dump ended inside the data of ${this.current.table.schema}.${this.current.table.name}`,
        ),
      );
    done();
  }

  private open(schema: string, name: string, columns: string[]): void {
    const table: TableRows = { schema, name, rows: 0, columns };
    this.tables.push(table);
    this.current = { table, digest: this.digests ? new RowDigest() : null };
  }

  private close(): void {
    const { table, digest } = this.current!;
    if (digest) table.digest = digest.hex();
    this.current = null;
  }

  /**
   * Rows only (no digests), from a line start inside a block: a newline scan without a Buffer per
   * row (a data part has millions). Returns where the scan stopped: after the block's end line,
   * or the chunk's end (a row that continues in the next chunk goes to rowPiece).
   */
  private countRows(chunk: Buffer, start: number): number {
    const table = this.current!.table;
    let rows = table.rows;
    for (;;) {
      const nl = chunk.indexOf(NL, start);
      if (nl === -1) {
        table.rows = rows;
        this.rowPiece(chunk.subarray(start), false);
        return chunk.length;
      }
      if (nl === start + 2 && chunk[start] === 0x5c && chunk[start + 1] === 0x2e) {
        table.rows = rows;
        this.close();
        return nl + 1;
      }
      rows++;
      start = nl + 1;
      if (start === chunk.length) {
        table.rows = rows;
        return start;
      }
    }
  }

  private rowPiece(piece: Buffer, complete: boolean): void {
    const { table, digest } = this.current!;
    if (complete && this.rowLen === 0) {
      if (isEndMarker(piece)) return this.close();
      digest?.addRow(piece);
      table.rows++;
      return;
    }
    if (this.rowLen < 2)
      this.rowHead = Buffer.concat([this.rowHead, piece.subarray(0, 2 - this.rowLen)]);
    this.rowLen += piece.length;
    if (!complete) return digest?.addPiece(piece);
    const end = this.rowLen === 2 && isEndMarker(this.rowHead);
    this.rowLen = 0;
    this.rowHead = Buffer.alloc(0);
    if (end) {
      digest?.dropRow();
      return this.close();
    }
    digest?.endRow(piece);
    table.rows++;
  }

  private headPiece(piece: Buffer, complete: boolean): void {
    if (this.headLen < HEAD_LIMIT) this.head.push(piece.subarray(0, HEAD_LIMIT - this.headLen));
    this.headLen += piece.length;
    if (!complete) return;
    const line = this.head.length === 1 ? this.head[0]! : Buffer.concat(this.head);
    const long = this.headLen > HEAD_LIMIT;
    this.head = [];
    this.headLen = 0;
    if (long || line.length < 5 || line[0] !== 0x43 /* C */) return;
    if (line.subarray(0, 5).toString() !== 'COPY ') return;
    const m = COPY_HEADER.exec(line.toString('utf8'));
    if (m) this.open(unquote(m[1]!), unquote(m[2]!), parseColumns(m[3]));
  }
}
