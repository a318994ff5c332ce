/**
 * pg_dump patterns that match one name exactly. Inside double quotes pg_dump takes every
 * character literally (`*`, `?`, `.`, `|`, regex characters) and keeps case; a `"` is doubled.
 * Each pattern is one argv entry: it never passes through a shell or a script text.
 */
import type { TableName } from '../config/names.js';

export function schemaPattern(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function tablePattern(t: TableName): string {
  return `${schemaPattern(t.schema)}.${schemaPattern(t.table)}`;
}
