/**
 * psql's lexer for SQL text (src/fe_utils/psqlscan.l), reduced to what decides whether psql
 * runs a meta-command: comments (`--` to \n or \r, nested block comments), quoted strings and
 * identifiers, dollar-quoted bodies, and statement ends (a `;` outside parentheses). A backslash
 * anywhere else is a meta-command to psql, and is refused; so is anything psql could read two
 * ways (see psql-guard.ts). Fed one byte at a time, so chunk boundaries do not matter.
 */

const NORMAL = 0;
const LINE_COMMENT = 1;
const BLOCK_COMMENT = 2;
const QUOTE = 3;
const DQUOTE = 4;
const DOLLAR_OPEN = 5;
const DOLLAR = 6;
/** After a backslash: reading the command's name for the message. */
const META = 7;

const TAG_LIMIT = 1024;

/** A name's last 6 bytes as one number (exact: 48 bits), to compare with these. */
const tail = (s: string) => [...s].reduce((t, c) => t * 256 + c.charCodeAt(0), 0);
const CREATE = tail('create');
const BEGIN = tail('begin');

export const isDigit = (b: number) => b >= 0x30 && b <= 0x39;
export const isLetter = (b: number) => (b | 0x20) >= 0x61 && (b | 0x20) <= 0x7a;
/** psql's dolq_start: a letter, `_` or any non-ASCII byte. */
const isDolqStart = (b: number) => isLetter(b) || b === 0x5f || b >= 0x80;
/** psql's ident_cont (what continues a name or number), but `$`. */
const isNameByte = (b: number) => isDolqStart(b) || isDigit(b);
const isSpace = (b: number) => b === 0x20 || (b >= 0x09 && b <= 0x0d);

export class PsqlLexer {
  private state = NORMAL;
  private pendingDash = false;
  private pendingSlash = false;
  private pendingStar = false;
  private pendingQuote = false;
  private oddBackslashes = false;
  /** The string is an E'' string: a backslash escapes the next byte, a quote included. */
  private escapes = false;
  /** The last byte ended a token so that a following `e'` opens an E'' string in every psql. */
  private freshToken = true;
  private wordFresh = false;
  private depth = 0;
  private prevName = false;
  /** The current name's last 6 bytes (lower case, see tail()), its length, whether it began with a digit. */
  private word = 0;
  private wordLen = 0;
  private wordDigit = false;
  private tag = '';
  private closer = '';
  private matched = 0;
  private meta = '';
  /** The statement's first name is known, and whether it ends with "create". */
  private stmtFirst = false;
  private stmtCreate = false;

  /** Open parentheses: a `;` inside them does not end the statement. */
  parens = 0;
  /** Nothing but whitespace and -- comments since the last statement ended. */
  stmtEmpty = true;
  /** A BEGIN was seen in a CREATE statement: psql 14+ may hold the statement open (BEGIN ATOMIC). */
  beginSeen = false;
  /** Statement ends since resetLine(), and the offset (as given to step()) of the last one. */
  ends = 0;
  lastEnd = -1;

  /** `refuse(what)` makes the error thrown for what psql would run or could read two ways. */
  constructor(private readonly refuse: (what: string) => Error) {}

  /** Between statements: not inside anything, and nothing pending. */
  atStatementStart(): boolean {
    return this.state === NORMAL && this.stmtEmpty && !this.pendingDash && !this.pendingSlash;
  }

  /** Reading a `$tag$` opener. */
  inDollarTag(): boolean {
    return this.state === DOLLAR_OPEN;
  }

  resetLine(): void {
    this.ends = 0;
  }

  /** After COPY data: a new statement starts. */
  afterCopy(): void {
    this.stmtEmpty = true;
    this.prevName = false;
    this.freshToken = true;
  }

  /** At the end of the part: what it ends inside of (a dump never ends inside anything). */
  finish(): string | null {
    if (this.state === META) throw this.metaCommand();
    if (this.state === QUOTE && !this.pendingQuote) return 'a quoted string';
    if (this.state === DQUOTE && !this.pendingQuote) return 'a quoted identifier';
    if (this.state === DOLLAR) return 'a dollar-quoted body';
    if (this.state === BLOCK_COMMENT) return 'a /* comment';
    return null;
  }

  /** One byte of SQL text, at `offset` in its line. */
  step(b: number, offset: number): void {
    switch (this.state) {
      case NORMAL:
        return this.normal(b, offset);
      case LINE_COMMENT:
        // psql's -- comment stops at \r as well as \n.
        if (b === 0x0a || b === 0x0d) {
          this.state = NORMAL;
          this.normal(b, offset);
        }
        return;
      case BLOCK_COMMENT:
        return this.blockComment(b);
      case QUOTE:
      case DQUOTE:
        return this.quoted(b, offset);
      case DOLLAR_OPEN:
        return this.dollarOpen(b, offset);
      case DOLLAR:
        return this.dollarBody(b);
      case META:
        if (this.meta === '' && b > 0x20 && b < 0x7f) this.meta = String.fromCharCode(b);
        else if (isLetter(b) && isLetter(this.meta.charCodeAt(0)) && this.meta.length < 12)
          this.meta += String.fromCharCode(b);
        else throw this.metaCommand();
    }
  }

  metaCommand(name = this.meta): Error {
    return this.refuse(`psql meta-command \\${name} outside COPY data (a dump never holds one)`);
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
      this.beginSeen = true;
    this.word = 0;
    this.wordLen = 0;
  }

  private normal(b: number, offset: number): void {
    if (this.pendingDash) {
      this.pendingDash = false;
      if (b === 0x2d) return void (this.state = LINE_COMMENT);
      this.stmtEmpty = false;
      this.freshToken = true;
    } else if (this.pendingSlash) {
      this.pendingSlash = false;
      this.stmtEmpty = false;
      this.freshToken = true;
      if (b === 0x2a) {
        this.state = BLOCK_COMMENT;
        this.depth = 1;
        return;
      }
    }
    if (isNameByte(b)) {
      if (this.wordLen++ === 0) {
        this.wordDigit = isDigit(b);
        this.wordFresh = this.freshToken;
      }
      this.freshToken = false;
      this.word = (this.word % 2 ** 40) * 256 + (isLetter(b) ? b | 0x20 : b);
      this.prevName = true;
      this.stmtEmpty = false;
      return;
    }
    // E'...' where every psql reads it so: an "e" alone, not after a name, "$", ":" (":e" is a
    // psql variable) or "." (psql 16+ reads "1.e" as one token). Elsewhere a string is read as
    // a plain one, which refuses more.
    const eString = b === 0x27 && this.wordLen === 1 && this.word === 0x65 && this.wordFresh;
    this.endWord();
    const afterName = this.prevName;
    this.prevName = false;
    this.freshToken = b !== 0x24 && b !== 0x3a && b !== 0x2e;
    if (isSpace(b)) return;
    if (b === 0x2d) return void (this.pendingDash = true);
    if (b === 0x2f) return void (this.pendingSlash = true);
    if (b === 0x5c) {
      this.state = META;
      this.meta = '';
      return;
    }
    if (b === 0x3b && this.parens === 0) {
      this.stmtEmpty = true;
      this.stmtFirst = this.stmtCreate = false;
      this.ends++;
      this.lastEnd = offset;
      return;
    }
    this.stmtEmpty = false;
    if (b === 0x28) this.parens++;
    else if (b === 0x29 && this.parens > 0) this.parens--;
    else if (b === 0x27 || b === 0x22) {
      this.state = b === 0x27 ? QUOTE : DQUOTE;
      this.pendingQuote = false;
      this.oddBackslashes = false;
      this.escapes = eString;
    } else if (b === 0x24) {
      // psql reads x$$ as one name and 1$$ (most versions) as a number and a quote: refuse both.
      if (afterName)
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
        if (--this.depth === 0) {
          this.state = NORMAL;
          this.freshToken = true;
        }
        return;
      }
    } else if (this.pendingSlash) {
      this.pendingSlash = false;
      if (b === 0x2a) return void this.depth++;
    }
    if (b === 0x2a) this.pendingStar = true;
    else if (b === 0x2f) this.pendingSlash = true;
  }

  private quoted(b: number, offset: number): void {
    const quote = this.state === QUOTE ? 0x27 : 0x22;
    if (this.pendingQuote) {
      this.pendingQuote = false;
      if (b === quote) return; // doubled: still inside
      this.state = NORMAL;
      this.freshToken = true;
      return this.normal(b, offset);
    }
    if (b === quote) {
      if (this.escapes && this.oddBackslashes) {
        this.oddBackslashes = false; // \' in E'': an escaped quote
        return;
      }
      if (this.oddBackslashes && quote === 0x27)
        throw this.refuse(
          'a quote after an odd number of backslashes in a string, which psql reads differently when standard_conforming_strings is off (a dump writes one only for a text ending in a backslash: check the line, then restore by hand if it is yours)',
        );
      this.pendingQuote = true;
    } else this.oddBackslashes = b === 0x5c && !this.oddBackslashes;
  }

  private dollarOpen(b: number, offset: number): void {
    if (b === 0x24) {
      this.state = DOLLAR;
      this.closer = `$${this.tag}$`;
      this.matched = 0;
      return;
    }
    if (this.tag === '' ? isDolqStart(b) : isNameByte(b)) {
      this.tag += String.fromCharCode(b);
      if (this.tag.length > TAG_LIMIT) throw this.refuse('an overlong $tag$');
      return;
    }
    // Not a delimiter: psql keeps the "$" alone ($1 is a parameter) and rescans the rest.
    this.state = NORMAL;
    this.freshToken = false;
    for (let k = 0; k < this.tag.length; k++) this.normal(this.tag.charCodeAt(k), offset);
    this.normal(b, offset);
  }

  private dollarBody(b: number): void {
    // The body ends at the first "$tag$"; the tag holds no "$", so a "$" restarts the match.
    if (b === this.closer.charCodeAt(this.matched)) {
      if (++this.matched === this.closer.length) {
        this.state = NORMAL;
        this.freshToken = true;
      }
    } else this.matched = b === 0x24 ? 1 : 0;
  }
}
