import { Transform, type TransformCallback } from 'node:stream';

/**
 * Streams text line by line through a rewrite function (the pg-dump engine's schema and roles
 * output, the drill's extension and cron filters); a rewrite returning null drops the line.
 * Lines are read as latin1, one char per byte, so every byte the rewrite leaves alone comes out
 * as it went in, whatever the encoding and wherever a chunk ends (utf8 decoding per chunk would
 * mangle a character split between two chunks). Rewrites match ASCII only.
 */
export class LineRewriter extends Transform {
  private rest = '';
  constructor(private readonly rewrite: (line: string) => string | null) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    const lines = (this.rest + chunk.toString('latin1')).split('\n');
    this.rest = lines.pop()!;
    let out = '';
    for (const l of lines) {
      const kept = this.rewrite(l);
      if (kept !== null) out += kept + '\n';
    }
    done(null, out === '' ? undefined : Buffer.from(out, 'latin1'));
  }
  override _flush(done: TransformCallback): void {
    const kept = this.rest === '' ? null : this.rewrite(this.rest);
    done(null, kept === null ? undefined : Buffer.from(kept, 'latin1'));
  }
}

const comment = (line: string) => `-- ${line}`;

/** What a new Supabase project already has or forbids, as in the official CLI's roles filter. */
export function rolesRewrite(reserved: string[]): (line: string) => string {
  const names = `(${reserved.join('|')})`;
  const createOrAlter = new RegExp(`^(CREATE|ALTER) ROLE "${names}"`);
  const grantTo = new RegExp(`^GRANT ".*" TO "${names}"`);
  return (line) => {
    if (createOrAlter.test(line) || grantTo.test(line) || /^\\(un)?restrict /.test(line))
      return comment(line);
    return line.replace(/ (NOSUPERUSER|NOREPLICATION)/g, '');
  };
}

/** The official CLI's schema rewrites that matter for restoring into a new project. */
export function schemaRewrite(line: string): string {
  if (
    /^\\(un)?restrict /.test(line) ||
    /^CREATE PUBLICATION "supabase_realtime/.test(line) ||
    /^ALTER PUBLICATION "supabase_realtime_/.test(line) ||
    /^(CREATE|ALTER) EVENT TRIGGER /.test(line) ||
    /^ {9}WHEN TAG IN /.test(line) ||
    /^ {3}EXECUTE FUNCTION /.test(line) ||
    /^COMMENT ON EXTENSION /.test(line) ||
    /^ALTER DEFAULT PRIVILEGES FOR ROLE "supabase_admin"/.test(line) ||
    /^SET transaction_timeout = 0;/.test(line)
  ) {
    return comment(line);
  }
  return line.replace(/^CREATE SCHEMA "/, 'CREATE SCHEMA IF NOT EXISTS "');
}

/**
 * Rewrites only the lines before the first COPY (pg_dump's session header) and passes the rest
 * through as bytes: rows are data and are never rewritten (nor decoded, for speed).
 */
export class HeaderRewriter extends Transform {
  private pending = Buffer.alloc(0);
  private inHeader = true;
  constructor(private readonly rewrite: (line: string) => string) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    if (!this.inHeader) return done(null, chunk);
    let rest = Buffer.concat([this.pending, chunk]);
    let head = '';
    for (let nl = rest.indexOf(0x0a); nl !== -1; nl = rest.indexOf(0x0a)) {
      const line = rest.subarray(0, nl).toString('utf8');
      if (line.startsWith('COPY ')) {
        this.inHeader = false;
        break;
      }
      head += this.rewrite(line) + '\n';
      rest = rest.subarray(nl + 1);
    }
    const out = head ? Buffer.from(head) : Buffer.alloc(0);
    if (this.inHeader) {
      this.pending = rest;
      return done(null, out.length ? out : undefined);
    }
    this.pending = Buffer.alloc(0);
    done(null, Buffer.concat([out, rest]));
  }
  override _flush(done: TransformCallback): void {
    const last = this.pending.toString('utf8');
    done(null, last ? (this.inHeader ? this.rewrite(last) : last) : undefined);
  }
}

/**
 * pg_dump 17+ writes `SET transaction_timeout = 0;` whatever the server's version, and a 15 or
 * 16 server refuses it (unrecognized configuration parameter), which stops the restore. 0 is the
 * parameter's default, so commenting it out changes nothing where it exists.
 */
export function dataHeaderRewrite(line: string): string {
  return /^SET transaction_timeout = 0;/.test(line) ? comment(line) : line;
}
