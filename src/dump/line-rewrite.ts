/** Streams text line by line through a rewrite function (schema and roles output of the pg-dump engine). */
import { Transform, type TransformCallback } from 'node:stream';

export class LineRewriter extends Transform {
  private rest = '';
  constructor(private readonly rewrite: (line: string) => string) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    const text = this.rest + chunk.toString('utf8');
    const lines = text.split('\n');
    this.rest = lines.pop() ?? '';
    done(null, lines.length ? lines.map((l) => this.rewrite(l) + '\n').join('') : undefined);
  }
  override _flush(done: TransformCallback): void {
    done(null, this.rest ? this.rewrite(this.rest) : undefined);
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
