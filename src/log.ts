/**
 * What every module below main.ts/cli.ts gets instead of @actions/core or console: the entry
 * point decides where lines go (annotations and groups in Actions, stderr in the CLI).
 */
export interface Logger {
  info(message: string): void;
  notice(message: string): void;
  warning(message: string): void;
  error(message: string): void;
  debug(message: string): void;
  /** Registers a secret so that no later line shows it. */
  mask(secret: string): void;
  group<T>(title: string, fn: () => Promise<T>): Promise<T>;
}

/** Every form a secret can take in text: raw, percent-encoded (URL userinfo) and base64. */
export function secretForms(secret: string): string[] {
  if (secret.length === 0) return [];
  const forms = new Set<string>([secret, encodeURIComponent(secret)]);
  try {
    forms.add(decodeURIComponent(secret));
  } catch {
    // not percent-encoded text: the raw form is all there is
  }
  forms.add(Buffer.from(secret).toString('base64'));
  return [...forms].filter((f) => f.length > 0);
}

/** Keeps the set of secrets and blanks them out of any text. */
export class Redactor {
  private readonly secrets = new Set<string>();
  add(secret: string): void {
    for (const form of secretForms(secret)) this.secrets.add(form);
  }
  redact(text: string): string {
    let out = text;
    // Longest first, so that a secret containing another is blanked whole.
    for (const s of [...this.secrets].sort((a, b) => b.length - a.length)) {
      out = out.split(s).join('***');
    }
    return out;
  }
}

/**
 * Text whose lines the Actions runner will not obey: it reads a line whose trimmed start is
 * `::` as a workflow command, and `##[` as an old-style one. Messages can carry a set's or a
 * remote's text (a table name, a warning, git's stderr); a `::notice::` line in them is printed
 * as `> ::notice::` instead of being run. The runner reads the CLI's output too, hence both loggers.
 */
export function inertCommands(text: string): string {
  return text.replace(/^([^\S\n]*)::/gm, '$1> ::').replaceAll('##[', '# #[');
}

/** A logger that writes plain lines to a stream (the CLI's stderr, or a test's buffer). */
export function streamLogger(
  write: (line: string) => void,
  options: { debug?: boolean; redactor?: Redactor } = {},
): Logger & { redactor: Redactor } {
  const redactor = options.redactor ?? new Redactor();
  const out = (prefix: string, m: string) =>
    write(inertCommands(redactor.redact(prefix + m)) + '\n');
  return {
    redactor,
    info: (m) => out('', m),
    notice: (m) => out('notice: ', m),
    warning: (m) => out('warning: ', m),
    error: (m) => out('error: ', m),
    debug: (m) => {
      if (options.debug) out('debug: ', m);
    },
    mask: (s) => redactor.add(s),
    async group(title, fn) {
      out('== ', title);
      return fn();
    },
  };
}

/** The same logger with `prefix` before every line (several projects at once). */
export function prefixedLogger(logger: Logger, prefix: string): Logger {
  return {
    ...logger,
    info: (m) => logger.info(prefix + m),
    notice: (m) => logger.notice(prefix + m),
    warning: (m) => logger.warning(prefix + m),
    error: (m) => logger.error(prefix + m),
    debug: (m) => logger.debug(prefix + m),
  };
}
