/**
 * Refuses a part that would make psql run a meta-command. psql runs any backslash it meets
 * outside a quoted string, a quoted identifier, a dollar-quoted body or a comment (`\!` runs a
 * shell command, `\o |cmd`, `\copy ... program`, `\i`, `\gexec`, `\connect`...), and a dump never
 * holds one but pg_dump's own `\restrict KEY` / `\unrestrict KEY` lines. This stage passes the
 * bytes through while lexing them as psql does (src/fe_utils/psqlscan.l), comments out exactly
 * those two lines (see scan()), and fails on:
 *  - a backslash in SQL text (outside COPY data);
 *  - what psql could read two ways: a quote after an odd run of backslashes (its meaning depends
 *    on standard_conforming_strings, which the part itself could change), a `$` right after a
 *    name or number, an overlong `$tag$`;
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

const NORMAL = 0;
const LINE_COMMENT = 1;
const BLOCK_COMMENT = 2;
const QUOTE = 3;
const DQUOTE = 4;
const DOLLAR_OPEN = 5;
const DOLLAR = 6;
const COPY = 7;
/** After a backslash in SQL text: reading the command's name for the message. */
const META = 8;
/** A line that starts with a backslash at a statement start: pg_dump's \restrict pair? */
const RESTRICT_LINE = 9;
/** What pg_dump 15.14, 16.10, 17.6, 18 and later write around a dump (a key of letters and digits). */
const PG_DUMP_RESTRICT = /^\\(un)?restrict [A-Za-z0-9]+\r?$/;

const NL = 0x0a;
const BACKSLASH = 0x5c;
/** A COPY header is one line; longer lines are not one (this bounds what is kept). */
const HEADER_LIMIT = 1 << 20;
const TAG_LIMIT = 1024;
const IDENT = String.raw`(?:"(?:[^"]|"")+"|[^\s."();,]+)`;
const COPY_HEADER = new RegExp(
  String.raw`^COPY (?:ONLY )?${IDENT}\.${IDENT}(?: \(.*\))? FROM stdin;\r?$`,
);

/** A name's last 6 bytes as one number (exact: 48 bits), to compare with these. */
const tail = (s: string) => [...s].reduce((t, c) => t * 256 + c.charCodeAt(0), 0);
const CREATE = tail('create');
const BEGIN = tail('begin');

const isDigit = (b: number) => b >= 0x30 && b <= 0x39;
const isLetter = (b: number) => (b | 0x20) >= 0x61 && (b | 0x20) <= 0x7a;
/** psql's dolq_start: a letter, `_` or any non-ASCII byte. */
const isDolqStart = (b: number) => isLetter(b) || b === 0x5f || b >= 0x80;
/** psql's ident_cont (what continues a name or number), `$` included. */
const isIdent = (b: number) => isDolqStart(b) || isDigit(b) || b === 0x24;
const isSpace = (b: number) => b === 0x20 || (b >= 0x09 && b <= 0x0d);

export class PsqlGuard extends Transform {
  private state = NORMAL;
  private line = 1;
  private lineOffset = 0;
  private pendingDash = false;
  private pendingSlash = false;
  private pendingStar = false;
  private pendingQuote = false;
  private oddBackslashes = false;
  private depth = 0;
  private parens = 0;
  private prevIdent = false;
  /** The current name's last 6 bytes (lower case, see tail()), its length, whether it began with a digit. */
  private word = 0;
  private wordLen = 0;
  private wordDigit = false;
  private tag = '';
  private closer = '';
  private matched = 0;
  /** Nothing but whitespace and -- comments since the last statement ended. */
  private stmtEmpty = true;
  /** The statement's first name is known, and it ends with "create". */
  private stmtFirst = false;
  private stmtCreate = false;
  /** A BEGIN was seen in a CREATE statement: newer psql may hold the statement open. */
  private noMoreCopy = false;
  private candidate = true;
  private header: Buffer[] = [];
  private headerLen = 0;
  private terms = 0;
  private lastTerm = -1;
  private copyLine = 0;
  private copyLen = 0;
  private copyHead = 0;
  private chunkHasNul = false;
  private meta = '';
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
    if (this.state === META) return done(this.metaCommand());
    if (this.state === RESTRICT_LINE) {
      try {
        this.restrictLine();
      } catch (err) {
        return done(err as Error);
      }
    }
    const open =
      this.state === COPY
        ? `the COPY data begun at line ${this.copyLine}`
        : this.state === QUOTE && !this.pendingQuote
          ? 'a quoted string'
          : this.state === DQUOTE && !this.pendingQuote
            ? 'a quoted identifier'
            : this.state === DOLLAR
              ? 'a dollar-quoted body'
              : this.state === BLOCK_COMMENT
                ? 'a /* comment'
                : null;
    done(open ? this.refuse(`the part ends inside ${open} (a dump never does)`) : null);
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
      if (this.state === RESTRICT_LINE) {
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
      if (this.state === COPY) {
        i = this.copyData(chunk, i);
        lineStart = this.candidate ? i : -1;
        continue;
      }
      const b = chunk[i]!;
      if (b === NL) {
        if (lineStart !== -1) this.keepHeader(chunk.subarray(lineStart, i));
        if (this.options.asciiOnly) this.checkEncoding(b);
        const copy = this.candidate && this.isCopyHeader();
        this.step(b);
        i++;
        this.endLine();
        if (copy) {
          this.state = COPY;
          this.copyLine = this.line;
          this.candidate = false;
        }
        lineStart = this.candidate ? i : -1;
        continue;
      }
      if (b === 0) throw this.refuse('a NUL byte (no dump holds one)');
      if (this.options.asciiOnly) this.checkEncoding(b);
      if (b === BACKSLASH && this.lineOffset === 0 && this.atStatementStart()) {
        this.push(chunk.subarray(emitFrom, i));
        emitFrom = i;
        this.state = RESTRICT_LINE;
        this.held = [];
        this.heldLen = 0;
        continue;
      }
      this.step(b);
      this.lineOffset++;
      i++;
    }
    if (lineStart !== -1) this.keepHeader(chunk.subarray(lineStart));
    if (emitFrom < chunk.length) this.push(chunk.subarray(emitFrom));
  }

  private atStatementStart(): boolean {
    return this.state === NORMAL && this.stmtEmpty && !this.pendingDash && !this.pendingSlash;
  }

  /** A whole line held in RESTRICT_LINE: pg_dump's, commented out, or a meta-command refused. */
  private restrictLine(): void {
    const line = Buffer.concat(this.held);
    const text = line.toString('latin1');
    if (!PG_DUMP_RESTRICT.test(text)) throw this.heldMetaCommand();
    this.push(Buffer.concat([Buffer.from('-- '), line]));
    this.state = NORMAL;
    this.lineOffset = line.length;
    this.held = [];
  }

  private heldMetaCommand(): RestoreError {
    const text = Buffer.concat(this.held).toString('latin1', 0, 14);
    this.meta = /^\\([A-Za-z]{1,12}|[!-~])?/.exec(text)![1] ?? '';
    return this.metaCommand();
  }

  private checkEncoding(b: number): void {
    const high = b >= 0x80;
    if (this.prevHigh && !high && !(isLetter(b) || isDigit(b) || b === 0x5f))
      throw this.refuse(
        `non-ASCII text right before ${JSON.stringify(String.fromCharCode(b))}, which this psql reads by the client encoding (a part can switch it to one where that byte is swallowed); psql 15.14, 16.10, 17.6, 18 and later have \\restrict, which lets this tool restore it`,
      );
    if (high && this.state === DOLLAR_OPEN)
      throw this.refuse('a non-ASCII $tag$, which this psql reads by the client encoding');
    this.prevHigh = high;
  }

  private keepHeader(piece: Buffer): void {
    this.headerLen += piece.length;
    if (this.headerLen > HEADER_LIMIT) this.candidate = false;
    else this.header.push(piece);
  }

  private isCopyHeader(): boolean {
    if (!this.atStatementStart() || this.noMoreCopy || this.terms !== 1) return false;
    const line = Buffer.concat(this.header).toString('latin1');
    const end = line.endsWith('\r') ? line.length - 2 : line.length - 1;
    return this.lastTerm === end && COPY_HEADER.test(line);
  }

  private endLine(): void {
    this.line++;
    this.lineOffset = 0;
    this.terms = 0;
    this.header = [];
    this.headerLen = 0;
    this.candidate =
      this.state === NORMAL && this.stmtEmpty && this.parens === 0 && !this.noMoreCopy;
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
        this.state = NORMAL;
        this.stmtEmpty = true;
        this.prevIdent = this.prevHigh = false;
        this.endLine();
        return i;
      }
      this.line++;
    }
    return i;
  }

  /**
   * psql (14+) holds a statement open after BEGIN when its first name is CREATE (for CREATE
   * FUNCTION ... BEGIN ATOMIC). Over-approximated: a one-letter word (a string prefix such as E)
   * or a number is not taken as the first name, and any word ending in "begin" counts.
   */
  private endWord(): void {
    if (this.wordLen === 0) return;
    const create = this.wordLen >= 6 && this.word === CREATE;
    if (!this.stmtFirst) {
      if (this.wordLen > 1 && (create || !this.wordDigit)) {
        this.stmtFirst = true;
        this.stmtCreate = create;
      }
    } else if (this.stmtCreate && this.wordLen >= 5 && this.word % 2 ** 40 === BEGIN)
      this.noMoreCopy = true;
    this.word = 0;
    this.wordLen = 0;
  }

  private step(b: number): void {
    switch (this.state) {
      case NORMAL:
        return this.normal(b);
      case LINE_COMMENT:
        // psql's -- comment stops at \r as well as \n.
        if (b === NL || b === 0x0d) {
          this.state = NORMAL;
          this.normal(b);
        }
        return;
      case BLOCK_COMMENT:
        return this.blockComment(b);
      case QUOTE:
      case DQUOTE:
        return this.quoted(b);
      case DOLLAR_OPEN:
        return this.dollarOpen(b);
      case DOLLAR:
        return this.dollarBody(b);
      case META:
        if (this.meta === '' && b > 0x20 && b < 0x7f) this.meta = String.fromCharCode(b);
        else if (isLetter(b) && isLetter(this.meta.charCodeAt(0)) && this.meta.length < 12)
          this.meta += String.fromCharCode(b);
        else throw this.metaCommand();
    }
  }

  private metaCommand(): RestoreError {
    return this.refuse(
      `psql meta-command \\${this.meta} outside COPY data (a dump never holds one)`,
    );
  }

  private normal(b: number): void {
    if (this.pendingDash) {
      this.pendingDash = false;
      if (b === 0x2d) return void (this.state = LINE_COMMENT);
      this.stmtEmpty = false;
    } else if (this.pendingSlash) {
      this.pendingSlash = false;
      this.stmtEmpty = false;
      if (b === 0x2a) {
        this.state = BLOCK_COMMENT;
        this.depth = 1;
        return;
      }
    }
    if (isIdent(b) && b !== 0x24) {
      if (this.wordLen++ === 0) this.wordDigit = isDigit(b);
      this.word = (this.word % 2 ** 40) * 256 + (isLetter(b) ? b | 0x20 : b);
      this.prevIdent = true;
      this.stmtEmpty = false;
      return;
    }
    this.endWord();
    const afterIdent = this.prevIdent;
    this.prevIdent = false;
    if (isSpace(b)) return;
    if (b === 0x2d) return void (this.pendingDash = true);
    if (b === 0x2f) return void (this.pendingSlash = true);
    if (b === BACKSLASH) {
      this.state = META;
      this.meta = '';
      return;
    }
    if (b === 0x3b && this.parens === 0) {
      this.stmtEmpty = true;
      this.stmtFirst = this.stmtCreate = false;
      this.terms++;
      this.lastTerm = this.lineOffset;
      return;
    }
    this.stmtEmpty = false;
    if (b === 0x28) this.parens++;
    else if (b === 0x29 && this.parens > 0) this.parens--;
    else if (b === 0x27 || b === 0x22) {
      this.state = b === 0x27 ? QUOTE : DQUOTE;
      this.pendingQuote = false;
      this.oddBackslashes = false;
    } else if (b === 0x24) {
      if (afterIdent)
        throw this.refuse(
          'a "$" right after a name or number, which psql versions read differently',
        );
      this.state = DOLLAR_OPEN;
      this.tag = '';
    }
  }

  private blockComment(b: number): void {
    // PostgreSQL nests block comments.
    if (this.pendingStar) {
      this.pendingStar = false;
      if (b === 0x2f) {
        if (--this.depth === 0) this.state = NORMAL;
        return;
      }
    } else if (this.pendingSlash) {
      this.pendingSlash = false;
      if (b === 0x2a) return void this.depth++;
    }
    if (b === 0x2a) this.pendingStar = true;
    else if (b === 0x2f) this.pendingSlash = true;
  }

  private quoted(b: number): void {
    const quote = this.state === QUOTE ? 0x27 : 0x22;
    if (this.pendingQuote) {
      this.pendingQuote = false;
      if (b === quote) return; // doubled: still inside
      this.state = NORMAL;
      return this.normal(b);
    }
    if (b === quote) {
      if (this.oddBackslashes && quote === 0x27)
        throw this.refuse(
          'a quote after an odd number of backslashes in a string, which psql reads differently when standard_conforming_strings is off',
        );
      this.pendingQuote = true;
    } else this.oddBackslashes = b === BACKSLASH && !this.oddBackslashes;
  }

  private dollarOpen(b: number): void {
    if (b === 0x24) {
      this.state = DOLLAR;
      this.closer = `$${this.tag}$`;
      this.matched = 0;
      return;
    }
    if (this.tag === '' ? isDolqStart(b) : isDolqStart(b) || isDigit(b)) {
      this.tag += String.fromCharCode(b);
      if (this.tag.length > TAG_LIMIT) throw this.refuse('an overlong $tag$');
      return;
    }
    // Not a delimiter: psql keeps the "$" alone ($1 is a parameter) and rescans the rest.
    this.state = NORMAL;
    for (let k = 0; k < this.tag.length; k++) this.normal(this.tag.charCodeAt(k));
    this.normal(b);
  }

  private dollarBody(b: number): void {
    // The body ends at the first "$tag$"; the tag holds no "$", so a "$" restarts the match.
    if (b === this.closer.charCodeAt(this.matched)) {
      if (++this.matched === this.closer.length) this.state = NORMAL;
    } else this.matched = b === 0x24 ? 1 : 0;
  }
}
