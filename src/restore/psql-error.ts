/**
 * Turns psql's "psql:<file>:<line>: ERROR: ..." into what failed: the part, the line, and the
 * statement around that line from the decompressed file (for a COPY error, the COPY header and
 * the row it names), truncated so a huge row or statement never floods the log.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';

export interface FailedStatement {
  /** The file as the user knows it, e.g. "schema.sql". */
  part: string;
  line: number;
  /** psql's own lines: ERROR, DETAIL, HINT, CONTEXT. */
  error: string[];
  /** The statement text (or COPY header and row), already truncated. */
  statement: string[];
}

const MAX_LINE = 200;
const MAX_LINES = 8;
const cut = (s: string) => (s.length > MAX_LINE ? `${s.slice(0, MAX_LINE)}…` : s);

/** Reads lines 1..`line` of the file; keeps the last few and, for COPY errors, the header and row. */
async function around(file: string, line: number, copyRow: number | null) {
  const ring: string[] = [];
  let copyHeader: { at: number; text: string } | null = null;
  let row: string | null = null;
  let n = 0;
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  for await (const text of lines) {
    n++;
    const short = cut(text);
    if (text.startsWith('COPY ')) copyHeader = { at: n, text: short };
    if (copyRow !== null && copyHeader && n === copyHeader.at + copyRow) row = short;
    ring.push(short);
    if (ring.length > MAX_LINES) ring.shift();
    if (n >= line) break;
  }
  lines.close();
  return { ring, copyHeader, row };
}

async function locatePsqlError(
  stderr: string,
  files: Map<string, string>,
): Promise<FailedStatement | null> {
  const lines = stderr.split('\n');
  const at = lines.findIndex((l) => /^psql:.*:\d+: (ERROR|FATAL):/.test(l));
  if (at < 0) return null;
  const m = /^psql:(.*):(\d+): ((?:ERROR|FATAL):.*)$/.exec(lines[at]!)!;
  const file = m[1]!;
  const part = files.get(file);
  if (!part) return null;
  const line = Number(m[2]);
  const error = [m[3]!];
  for (const l of lines.slice(at + 1)) {
    if (!/^(DETAIL|HINT|CONTEXT|LINE \d+|QUERY|\s)/.test(l) || l.startsWith('psql:')) break;
    if (l.trim()) error.push(cut(l));
  }
  const copy = /COPY [^,]+, line (\d+)/.exec(error.join('\n'));
  const { ring, copyHeader, row } = await around(file, line, copy ? Number(copy[1]) : null);
  let statement: string[];
  if (copy && copyHeader) {
    statement = [copyHeader.text];
    if (row !== null) statement.push(`(row ${copy[1]}) ${row}`);
  } else {
    // The statement psql reports ends at `line`; it starts after the last line ending in ";".
    let start = ring.length - 1;
    while (start > 0 && !/;\s*$/.test(ring[start - 1]!)) start--;
    // Comments and blank lines before it are not part of it.
    while (start < ring.length - 1 && /^\s*(--.*)?$/.test(ring[start]!)) start++;
    statement = ring.slice(start);
  }
  return { part, line, error: error.slice(0, 6), statement };
}

function formatFailure(f: FailedStatement): string {
  return [
    `${f.part} line ${f.line}: ${f.error[0]}`,
    ...f.error.slice(1).map((l) => `  ${l}`),
    '  statement:',
    ...f.statement.map((l) => `    ${l}`),
  ].join('\n');
}

/** psql's failure as a user reads it: the located statement, or psql's first lines (paths cut). */
export async function describePsqlFailure(
  stderr: string,
  files: Map<string, string>,
): Promise<string> {
  const located = await locatePsqlError(stderr, files).catch(() => null);
  if (located !== null) return formatFailure(located);
  let text = stderr;
  for (const path of files.keys()) text = text.split(path.replace(/[^/]+$/, '')).join('');
  return text.trim().split('\n').slice(0, 5).join('\n');
}
