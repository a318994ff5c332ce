/**
 * The Supabase CLI's dump script for the DEFAULT flags of a part, taken apart: its pg_dump (or
 * pg_dumpall) arguments, and the rest of the script (the `| sed`/awk filter pipeline and the
 * echo lines, fixed text of the CLI release) with the command replaced by `pg_dump "$@"`. The
 * filters (schemas, excluded tables) are added to the arguments as exact patterns, and the
 * arguments reach bash as positional parameters: no config value is ever script text.
 */
import { configuredSchemas, excludedTables, type TableName } from '../config/names.js';
import type { DumpPart, ProjectConfig } from '../config/types.js';
import { DumpError } from '../errors.js';
import { schemaPattern, tablePattern } from './patterns.js';

/** One argument of the command: `--flag` or `--flag "value"` (two argv entries). */
export interface ScriptArg {
  flag: string;
  value?: string;
}

export interface CliScript {
  tool: 'pg_dump' | 'pg_dumpall';
  args: ScriptArg[];
  /** The script with the command's arguments replaced by "$@". */
  text: string;
}

const COMMAND_RE = /^(pg_dump|pg_dumpall) \\$/;
/** `--flag`, `--flag "plain value"`, `--flag=plain`: values free of shell expansion. */
const ARG_RE = /^(--[a-z][a-z-]*)(?:(?: |=)(?:"([^"\\$`]*)"|([A-Za-z0-9_.,*|-]+)))?$/;

function unreadable(version: string, why: string): DumpError {
  return new DumpError(
    `the dump script of the Supabase CLI ${version} is not in the form supabase-backup reads ` +
      `(${why}), so its filters cannot be applied safely; use engine pg-dump, or a ` +
      'supabase_cli_version this tool supports (the default)',
  );
}

/** Splits the script; throws a DumpError when it is not the expected shape. */
export function parseCliScript(script: string, version: string): CliScript {
  const lines = script.split('\n');
  const starts = lines.flatMap((l, i) => (COMMAND_RE.test(l) ? [i] : []));
  if (starts.length !== 1) throw unreadable(version, `${starts.length} pg_dump commands`);
  const start = starts[0]!;
  const tool = COMMAND_RE.exec(lines[start]!)![1] as CliScript['tool'];
  const args: ScriptArg[] = [];
  let end = start + 1; // first line after the arguments
  let continued = true;
  for (; end < lines.length && continued; end++) {
    const line = lines[end]!;
    if (line.trimStart().startsWith('|')) break;
    continued = line.endsWith('\\');
    const text = (continued ? line.slice(0, -1) : line).trim();
    if (text === '') continue;
    const m = ARG_RE.exec(text);
    if (!m) throw unreadable(version, `argument line ${JSON.stringify(line.trim())}`);
    args.push({ flag: m[1]!, ...((m[2] ?? m[3]) !== undefined && { value: m[2] ?? m[3] }) });
  }
  if (args.length === 0) throw unreadable(version, 'no pg_dump arguments');
  // Without a filter pipeline the command ends at the last argument.
  const command = `${tool} "$@"${continued ? ' \\' : ''}`;
  const text = [...lines.slice(0, start), command, ...lines.slice(end)].join('\n');
  return { tool, args, text };
}

export interface Filters {
  schemas: string[] | undefined;
  excludeTables: TableName[];
}

/**
 * The CLI's flags whose dump script the supabase-cli engine runs: always the part's defaults.
 * The filters are never handed to the CLI (its script would carry them as shell text); they
 * are added to the script's pg_dump arguments instead (below).
 */
export function cliScriptFlags(part: DumpPart): string[] {
  switch (part) {
    case 'roles':
      return ['--role-only'];
    case 'schema':
      return [];
    case 'data':
      return ['--data-only', '--use-copy'];
  }
}

/** The project's filters as names (config/names.ts). */
export function projectFilters(project: ProjectConfig): Filters {
  return { schemas: configuredSchemas(project), excludeTables: excludedTables(project) };
}

/**
 * The part's arguments with the filters, as the CLI applies them: an explicit schema list
 * replaces the platform exclusions and the data part's `--schema "*"`; excluded tables are
 * `--exclude-table`. Each pattern is exact (patterns.ts) and `--strict-names` makes a listed
 * schema that matches nothing fail the dump.
 */
export function filteredArgs(part: DumpPart, args: ScriptArg[], filters: Filters): string[] {
  const schemas = part === 'roles' ? undefined : filters.schemas;
  const kept = schemas
    ? args.filter((a) => a.flag !== '--exclude-schema' && a.flag !== '--schema')
    : args;
  const argv = kept.flatMap((a) => (a.value === undefined ? [a.flag] : [a.flag, a.value]));
  if (schemas) {
    argv.push('--strict-names', ...schemas.map((s) => `--schema=${schemaPattern(s)}`));
  }
  if (part === 'data') {
    argv.push(...filters.excludeTables.map((t) => `--exclude-table=${tablePattern(t)}`));
  }
  return argv;
}
