/**
 * The CLI's shipped scripts taken apart (cli-script.ts): the pg_dump arguments, and the script
 * whose command is `pg_dump "$@"`, with the filters added as exact patterns.
 */
import { describe, expect, it } from 'vitest';
import { BUNDLED_CLI_SCRIPTS } from '../../src/dump/bundled-scripts.generated.js';
import { filteredArgs, parseCliScript, type ScriptArg } from '../../src/dump/cli-script.js';
import { schemaPattern, tablePattern } from '../../src/dump/patterns.js';

const V = BUNDLED_CLI_SCRIPTS.version;
const scripts: Record<string, string> = BUNDLED_CLI_SCRIPTS.scripts;
const roles = parseCliScript(scripts['--role-only']!, V);
const schema = parseCliScript(scripts['']!, V);
const data = parseCliScript(scripts['--data-only --use-copy']!, V);

const flat = (args: ScriptArg[]) =>
  args.flatMap((a) => (a.value === undefined ? [a.flag] : [a.flag, a.value]));

describe('parseCliScript on the shipped scripts', () => {
  it('reads each command and its arguments, values unquoted', () => {
    expect(roles.tool).toBe('pg_dumpall');
    expect(flat(roles.args)).toEqual([
      '--roles-only',
      '--role',
      'postgres',
      '--quote-all-identifier',
      '--no-role-passwords',
      '--no-comments',
    ]);
    expect(schema.tool).toBe('pg_dump');
    expect(flat(schema.args).slice(0, 4)).toEqual([
      '--schema-only',
      '--quote-all-identifier',
      '--role',
      'postgres',
    ]);
    expect(schema.args.find((a) => a.flag === '--exclude-schema')?.value).toMatch(
      /^information_schema\|pg_\*\|.*\|vault$/,
    );
    expect(flat(data.args)).toContain('--exclude-table');
    expect(data.args.find((a) => a.flag === '--schema')?.value).toBe('*');
  });

  it('keeps the rest of the script and runs the command on "$@"', () => {
    for (const [flags, parsed] of [
      ['--role-only', roles],
      ['', schema],
      ['--data-only --use-copy', data],
    ] as const) {
      const original = scripts[flags]!;
      expect(parsed.text).toMatch(new RegExp(`^${parsed.tool} "\\$@" \\\\\n\\| `, 'm'));
      expect(parsed.text).not.toMatch(/^ {4}--/m);
      // Every line but the command's argument lines is kept, in order.
      const kept = original.split('\n').filter((l) => !/^ {4}(--.*)? ?\\$/.test(l));
      expect(parsed.text.split('\n')).toEqual(
        kept.map((l) => (l === `${parsed.tool} \\` ? `${parsed.tool} "$@" \\` : l)),
      );
    }
    expect(data.text).toContain('echo "SET session_replication_role = replica;');
    expect(data.text).toContain('echo "RESET ALL;"');
  });

  it('refuses a script it cannot read, rather than running it', () => {
    const withValue = scripts['']!.replace('--role "postgres"', '--role "$(touch x)"');
    expect(() => parseCliScript(withValue, '9.9.9')).toThrow(/9\.9\.9.*argument line/);
    expect(() => parseCliScript('echo hi\n', '9.9.9')).toThrow(/0 pg_dump commands/);
    const twice = `${scripts['']!}\n${scripts['']!}`;
    expect(() => parseCliScript(twice, '9.9.9')).toThrow(/2 pg_dump commands/);
    const unquoted = scripts['']!.replace('--role "postgres"', '--role=public|app');
    expect(() => parseCliScript(unquoted, '9.9.9')).not.toThrow();
    const piped = scripts['']!.replace('--role "postgres"', '--role=a;b');
    expect(() => parseCliScript(piped, '9.9.9')).toThrow(/argument line/);
  });

  it('ends the command at its last argument when no pipeline follows', () => {
    const p = parseCliScript(
      'set -e\npg_dump \\\n    --schema-only \\\n    --role "x"\necho done\n',
      V,
    );
    expect(flat(p.args)).toEqual(['--schema-only', '--role', 'x']);
    expect(p.text).toBe('set -e\npg_dump "$@"\necho done\n');
  });
});

describe('filteredArgs', () => {
  const filters = {
    schemas: ['public', 'MyApp', 'touch${IFS}MARKER'],
    excludeTables: [
      { schema: 'public', table: 'AuditLog' },
      { schema: 'my.schema', table: 'a$(touch x)"' },
    ],
  };

  it('passes the defaults through when nothing is filtered', () => {
    const none = { schemas: undefined, excludeTables: [] };
    expect(filteredArgs('schema', schema.args, none)).toEqual(flat(schema.args));
    expect(filteredArgs('data', data.args, none)).toEqual(flat(data.args));
  });

  it('replaces the platform exclusions by the schema list, as exact patterns', () => {
    const args = filteredArgs('schema', schema.args, filters);
    expect(args).not.toContain('--exclude-schema');
    expect(args.slice(-4)).toEqual([
      '--strict-names',
      '--schema="public"',
      '--schema="MyApp"',
      '--schema="touch${IFS}MARKER"',
    ]);
    const d = filteredArgs('data', data.args, filters);
    expect(d).not.toContain('--exclude-schema');
    expect(d).not.toContain('*');
    // The platform's migration tables stay excluded.
    expect(d).toContain('auth.schema_migrations');
    expect(d.slice(-2)).toEqual([
      '--exclude-table="public"."AuditLog"',
      '--exclude-table="my.schema"."a$(touch x)"""',
    ]);
  });

  it('keeps the platform exclusions when only tables are excluded', () => {
    const d = filteredArgs('data', data.args, { schemas: undefined, excludeTables: [] });
    expect(d).toContain('--exclude-schema');
    const t = filteredArgs('data', data.args, {
      schemas: undefined,
      excludeTables: filters.excludeTables,
    });
    expect(t).toContain('--exclude-schema');
    expect(after(t, '--schema')).toEqual(['*']);
  });

  it('never filters roles, and the schema part never gets table exclusions', () => {
    expect(filteredArgs('roles', roles.args, filters)).toEqual(flat(roles.args));
    expect(filteredArgs('schema', schema.args, filters).join(' ')).not.toContain('AuditLog');
  });
});

describe('exact patterns', () => {
  it('quote every name, double its quotes and join schema and table', () => {
    expect(schemaPattern('MyApp')).toBe('"MyApp"');
    expect(schemaPattern('a"b')).toBe('"a""b"');
    expect(schemaPattern('pg_*|x.y')).toBe('"pg_*|x.y"');
    expect(tablePattern({ schema: 'my.schema', table: 'Audit Log' })).toBe(
      '"my.schema"."Audit Log"',
    );
  });
});

function after(args: string[], flag: string): string[] {
  return args.flatMap((a, i) => (a === flag ? [args[i + 1]!] : []));
}
