/**
 * Refuses a part that would make psql run a meta-command. psql runs any backslash it meets
 * outside a quoted string, a quoted identifier, a dollar-quoted body or a comment (`\!` runs a
 * shell command, `\o |cmd`, `\copy ... program`, `\i`, `\gexec`, `\connect`...), and a dump never
 * holds one but pg_dump's own `\restrict KEY` / `\unrestrict KEY` lines. This stage passes the
 * bytes through while lexing them as psql does (psql-lexer.ts), comments out exactly those two
 * lines (see scan()), and fails on:
 *  - a backslash in SQL text (outside COPY data);
 *  - what psql could read two ways: a quote after an odd run of backslashes in a string not
 *    surely E'' (its meaning depends on standard_conforming_strings, which the part itself could
 *    change), a `$` right after a name or number, an overlong `$tag$`;
 *  - a NUL byte (psql reads lines as C strings: text after one vanishes), a part that ends inside
 *    a string, a comment, a dollar-quoted body or COPY data.
 * COPY data is only entered after a line that is exactly pg_dump's `COPY x.y (...) FROM stdin;`
 * and starts a statement for every psql version (no open parenthesis, and no `BEGIN` yet in a
 * `CREATE` statement, which newer psql keeps open through `BEGIN ATOMIC ... END`); it ends at a
 * line `\.` as psql ends it. Whenever this lexer and psql could disagree, it sees SQL where psql
 * might see data, never the reverse: that can only refuse more.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { RestoreError } from '../errors.js';
import { isDigit, isLetter, PsqlLexer } from './psql-lexer.js';

const SQL = 0;
const COPY = 1;
/** A line that starts with a backslash at a statement start: pg_dump's \restrict pair? */
const RESTRICT_LINE = 2;

/** What pg_dump 15.14, 16.10, 17.6, 18 and later write around a dump (a key of letters and digits). */
const PG_DUMP_RESTRICT = /^\\(un)?restrict [A-Za-z0-9]+\r?$/;
const NL = 0x0a;
/** A COPY header is one line; longer lines are not one (this bounds what is kept). */
const HEADER_LIMIT = 1 << 20;
const IDENT = String.raw`(?:"(?:[^"]|"")+"|[^\s."();,]+)`;
const COPY_HEADER = new RegExp(
  String.raw`^COPY (?:ONLY )?${IDENT}\.${IDENT}(?: \(.*\))? FROM stdin;\r?$`,
);

export class PsqlGuard extends Transform {
  private readonly sql = new PsqlLexer((what) => this.refuse(what));
  private mode = SQL;
  private line = 1;
  private lineOffset = 0;
  /** The line may be a COPY header: it began at a statement start. */
  private candidate = true;
  private header: Buffer[] = [];
  private headerLen = 0;
  private copyLine = 0;
  /** The current COPY data line's length and first three bytes. */
  private copyLen = 0;
  private copyHead = 0;
  private chunkHasNul = false;
  private held: Buffer[] = [];
  private heldLen = 0;
  private prevHigh = false;

  /**
   * `name` is what messages call the part, e.g. "schema.sql". `asciiOnly` (for a psql without
   * `\restrict`) also refuses non-ASCII text psql could read another way: under a client-only
   * encoding such as SJIS or GBK (which a part can switch to), a byte above 0x7F swallows the
   * byte after it, quote or newline included.
   */
  constructor(
    private readonly name: string,
    private readonly options: { asciiOnly?: boolean } = {},
  ) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    try {
      this.chunkHasNul = chunk.includes(0);
      this.scan(chunk);
    } catch (err) {
      return done(err as Error);
    }
    done();
  }

  override _flush(done: TransformCallback): void {
    try {
      if (this.mode === RESTRICT_LINE) this.restrictLine();
      const open =
        this.mode === COPY ? `the COPY data begun at line ${this.copyLine}` : this.sql.finish();
      if (open) throw this.refuse(`the part ends inside ${open} (a dump never does)`);
    } catch (err) {
      return done(err as Error);
    }
    done();
  }

  private refuse(what: string): RestoreError {
    return new RestoreError(
      `refusing the set: ${this.name} line ${this.line}: ${what}. psql could run commands on this machine from it; nothing was applied`,
    );
  }

  /**
   * The bytes pass unchanged except pg_dump's own `\restrict KEY` / `\unrestrict KEY` lines,
   * which are commented out (as the Supabase CLI's scripts store them): they only restrict psql,
   * and psql refuses them when the restore already runs it restricted with a key of its own.
   */
  private scan(chunk: Buffer): void {
    let lineStart = this.candidate ? 0 : -1;
    let emitFrom = 0;
    for (let i = 0; i < chunk.length;) {
      if (this.mode === RESTRICT_LINE) {
        const nl = chunk.indexOf(NL, i);
        const end = nl === -1 ? chunk.length : nl;
        this.heldLen += end - i;
        this.held.push(Buffer.from(chunk.subarray(i, end)));
        if (this.heldLen > 256) throw this.heldMetaCommand();
        if (nl === -1) {
          emitFrom = i = chunk.length;
          break;
        }
        this.restrictLine();
        emitFrom = i = nl;
        continue;
      }
      if (this.mode === COPY) {
        i = this.copyData(chunk, i);
        lineStart = this.candidate ? i : -1;
        continue;
      }
      const b = chunk[i]!;
      if (this.options.asciiOnly) this.checkEncoding(b);
      if (b === NL) {
        if (lineStart !== -1) this.keepHeader(chunk.subarray(lineStart, i));
        const copy = this.candidate && this.isCopyHeader();
        this.sql.step(b, this.lineOffset);
        i++;
        this.endLine();
        if (copy) {
          this.mode = COPY;
          this.copyLine = this.line;
          this.candidate = false;
        }
        lineStart = this.candidate ? i : -1;
        continue;
      }
      if (b === 0) throw this.refuse('a NUL byte (no dump holds one)');
      if (b === 0x5c && this.lineOffset === 0 && this.sql.atStatementStart()) {
        this.push(chunk.subarray(emitFrom, i));
        emitFrom = i;
        this.mode = RESTRICT_LINE;
        this.held = [];
        this.heldLen = 0;
        continue;
      }
      this.sql.step(b, this.lineOffset++);
      i++;
    }
    if (lineStart !== -1) this.keepHeader(chunk.subarray(lineStart));
    if (emitFrom < chunk.length) this.push(chunk.subarray(emitFrom));
  }

  /** A whole line held in RESTRICT_LINE: pg_dump's, commented out, or a meta-command refused. */
  private restrictLine(): void {
    const line = Buffer.concat(this.held);
    if (!PG_DUMP_RESTRICT.test(line.toString('latin1'))) throw this.heldMetaCommand();
    this.push(Buffer.concat([Buffer.from('-- '), line]));
    this.mode = SQL;
    this.lineOffset = line.length;
    this.held = [];
  }

  private heldMetaCommand(): Error {
    const text = Buffer.concat(this.held).toString('latin1', 0, 14);
    return this.sql.metaCommand(/^\\([A-Za-z]{1,12}|[!-~])?/.exec(text)![1] ?? '');
  }

  private checkEncoding(b: number): void {
    const high = b >= 0x80;
    if (this.prevHigh && !high && !(isLetter(b) || isDigit(b) || b === 0x5f))
      throw this.refuse(
        `non-ASCII text right before ${JSON.stringify(String.fromCharCode(b))}, which this psql reads by the client encoding (a part can switch it to one where that byte is swallowed); psql 15.14, 16.10, 17.6, 18 and later have \\restrict, which lets this tool restore it`,
      );
    if (high && this.sql.inDollarTag())
      throw this.refuse('a non-ASCII $tag$, which this psql reads by the client encoding');
    this.prevHigh = high;
  }

  private keepHeader(piece: Buffer): void {
    this.headerLen += piece.length;
    if (this.headerLen > HEADER_LIMIT) this.candidate = false;
    else this.header.push(piece);
  }

  /** The line just read is pg_dump's COPY header, one whole statement that psql sends alone. */
  private isCopyHeader(): boolean {
    if (!this.sql.atStatementStart() || this.sql.beginSeen || this.sql.ends !== 1) return false;
    const line = Buffer.concat(this.header).toString('latin1');
    const end = line.endsWith('\r') ? line.length - 2 : line.length - 1;
    return this.sql.lastEnd === end && COPY_HEADER.test(line);
  }

  private endLine(): void {
    this.line++;
    this.lineOffset = 0;
    this.sql.resetLine();
    this.header = [];
    this.headerLen = 0;
    this.candidate =
      this.mode === SQL &&
      this.sql.atStatementStart() &&
      this.sql.parens === 0 &&
      !this.sql.beginSeen;
  }

  /** COPY data: whole lines, until one that is exactly `\.` (psql's end of data). */
  private copyData(chunk: Buffer, i: number): number {
    while (i < chunk.length) {
      const nl = chunk.indexOf(NL, i);
      const end = nl === -1 ? chunk.length : nl;
      if (this.chunkHasNul && chunk.subarray(i, end).includes(0))
        throw this.refuse('a NUL byte in COPY data (no dump holds one)');
      // Only a line's first three bytes matter: "\." or "\.\r" alone ends the data.
      let k = i;
      for (; k < end && this.copyLen < 3; k++, this.copyLen++)
        this.copyHead = this.copyHead * 256 + chunk[k]!;
      this.copyLen += end - k;
      if (nl === -1) return chunk.length;
      const last =
        (this.copyLen === 2 && this.copyHead === 0x5c2e) ||
        (this.copyLen === 3 && this.copyHead === 0x5c2e0d);
      this.copyLen = this.copyHead = 0;
      i = nl + 1;
      if (last) {
        this.mode = SQL;
        this.sql.afterCopy();
        this.prevHigh = false;
        this.endLine();
        return i;
      }
      this.line++;
    }
    return i;
  }
}
