/**
 * Quoting for the SQL that supabase-backup writes itself from catalog answers (migration history,
 * cron jobs): every value becomes a literal, every name a quoted identifier, so nothing read from
 * a database ever becomes SQL text. Literals are one line (newlines escaped in an E'' string), so
 * a line-based reader (the --tables filter) sees each generated statement as one line, and psql
 * reads them the same way whatever standard_conforming_strings says.
 */

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** A backslash or a control character: the value needs an E'' string. */
const needsEscape = (value: string) =>
  [...value].some((ch) => ch === '\\' || ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f);

/** A string literal; NULL for null. */
export function sqlLiteral(value: string | null): string {
  if (value === null) return 'NULL';
  if (!needsEscape(value)) return `'${value.replace(/'/g, "''")}'`;
  let out = '';
  for (const ch of value) {
    const code = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === "'") out += "\\'";
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `E'${out}'`;
}

/** A boolean literal. */
export function sqlBool(value: boolean): string {
  return value ? 'true' : 'false';
}
