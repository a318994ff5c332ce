/**
 * Streams data.sql keeping only what a --tables restore needs: the COPY blocks of the chosen
 * tables, the setval() of the sequences they own, and REFRESH of the materialized views that
 * read them, but not the pg_cron jobs (cron-jobs.ts: they belong to a whole restore); every
 * other line (SET, comments, psql's \restrict) passes unchanged. Works on bytes,
 * line by line: COPY rows are one line each (newlines inside values are escaped).
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DataLines } from '../dump/data-lines.js';
import { RestoreError } from '../errors.js';
import type { PsqlGuard } from '../pipeline/psql-guard.js';
import { tableKey } from './selection.js';

export interface DataFilter {
  /** tableKey()s of the tables whose COPY blocks are kept. */
  tables: Set<string>;
  /** tableKey()s of the sequences whose setval() is kept. */
  sequences: Set<string>;
  /** tableKey()s of the materialized views whose REFRESH is kept. */
  matviews: Set<string>;
}

const IDENT = String.raw`("(?:[^"]|"")+"|[^ ."(;']+)`;
const COPY_HEADER = new RegExp(String.raw`^COPY (?:ONLY )?${IDENT}\.${IDENT}`);
const SETVAL = new RegExp(String.raw`^SELECT pg_catalog\.setval\('${IDENT}\.${IDENT}'`);
const REFRESH = new RegExp(
  String.raw`^REFRESH MATERIALIZED VIEW (?:CONCURRENTLY )?${IDENT}\.${IDENT}`,
);

const unquote = (ident: string) =>
  ident.startsWith('"') ? ident.slice(1, -1).replace(/""/g, '"') : ident;
const keyOf = (m: RegExpExecArray) => tableKey(unquote(m[1]!), unquote(m[2]!));

export class DataSqlFilter extends Transform {
  /** tableKey()s of the COPY blocks that were kept. */
  readonly kept = new Set<string>();
  private readonly lines = new DataLines();
  private lineNo = 0;
  private pending: Buffer[] = [];
  private keepCopy = false;

  constructor(private readonly wanted: DataFilter) {
    super();
  }

  override _transform(chunk: Buffer, _e: BufferEncoding, done: TransformCallback): void {
    const out: Buffer[] = [];
    let start = 0;
    try {
      for (;;) {
        const nl = chunk.indexOf(0x0a, start);
        if (nl === -1) break;
        const piece = chunk.subarray(start, nl + 1);
        const line = this.pending.length > 0 ? Buffer.concat([...this.pending, piece]) : piece;
        this.pending = [];
        if (this.keep(line)) out.push(line);
        start = nl + 1;
      }
    } catch (err) {
      return done(err as Error);
    }
    if (start < chunk.length) this.pending.push(chunk.subarray(start));
    if (out.length > 0) this.push(out.length === 1 ? out[0] : Buffer.concat(out));
    done();
  }

  override _flush(done: TransformCallback): void {
    try {
      if (this.pending.length > 0) {
        const line = Buffer.concat(this.pending);
        if (this.keep(line)) this.push(line);
      }
    } catch (err) {
      return done(err as Error);
    }
    done(this.lines.insideCopy ? new Error('data.sql ends inside a COPY block') : null);
  }

  private keep(line: Buffer): boolean {
    this.lineNo++;
    const kind = this.lines.next(line);
    if (kind === 'copy-row' || kind === 'copy-end') return this.keepCopy;
    if (kind === 'cron-job') return false;
    const first = line[0];
    // Besides COPY headers, only lines starting with S or R can be what is filtered.
    if (kind === 'other' && first !== 0x53 && first !== 0x52) return true;
    const head = line.subarray(0, 4096).toString('utf8');
    let m: RegExpExecArray | null;
    if (kind === 'copy-header') {
      m = COPY_HEADER.exec(head);
      // pg_dump always names the schema; without a table, whose rows follow is unknown.
      if (!m)
        throw new RestoreError(
          `data.sql line ${this.lineNo}: a COPY line that names no schema.table, so --tables cannot tell whose rows follow; restore without --tables`,
        );
      this.keepCopy = this.wanted.tables.has(keyOf(m));
      if (this.keepCopy) this.kept.add(keyOf(m));
      return this.keepCopy;
    }
    m = SETVAL.exec(head);
    if (m) return this.wanted.sequences.has(keyOf(m));
    m = REFRESH.exec(head);
    if (m) return this.wanted.matviews.has(keyOf(m));
    return true;
  }
}

/** Writes the filtered copy of `from` to `to`; returns the tableKey()s whose data it holds. */
export async function filterDataFile(
  from: string,
  to: string,
  filter: DataFilter,
  guard: PsqlGuard,
  signal?: AbortSignal,
): Promise<Set<string>> {
  const stage = new DataSqlFilter(filter);
  // Dropping lines can change how psql reads the rest (a dropped line may have opened a comment),
  // so what psql will read is checked again.
  await pipeline(
    createReadStream(from, { highWaterMark: 1024 * 1024 }),
    stage,
    guard,
    createWriteStream(to, { mode: 0o600 }),
    { signal },
  );
  return stage.kept;
}
