/** Schema and table names in the config: any name PostgreSQL accepts quoted, exactly as written. */
import { describe, expect, it } from 'vitest';
import {
  configuredSchemas,
  excludedTables,
  parseSchemaName,
  parseTableName,
  quoteTable,
} from '../../src/config/names.js';
import { parseConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/errors.js';

const ok = <T>(p: { ok: true; value: T } | { ok: false; message: string }): T => {
  if (!p.ok) throw new Error(p.message);
  return p.value;
};
const error = (p: { ok: boolean; message?: string }) => (p.ok ? undefined : p.message);

describe('parseSchemaName', () => {
  it('takes unquoted names literally, case and all', () => {
    expect(ok(parseSchemaName('public'))).toBe('public');
    expect(ok(parseSchemaName('MyApp'))).toBe('MyApp');
    expect(ok(parseSchemaName('touch${IFS}MARKER'))).toBe('touch${IFS}MARKER');
    expect(ok(parseSchemaName('public`touch${IFS}MARKER`'))).toBe('public`touch${IFS}MARKER`');
    expect(ok(parseSchemaName('a b,c;d|e'))).toBe('a b,c;d|e');
    expect(ok(parseSchemaName('my.schema'))).toBe('my.schema');
  });

  it('unquotes double-quoted names ("" is one ")', () => {
    expect(ok(parseSchemaName('"MyApp"'))).toBe('MyApp');
    expect(ok(parseSchemaName('"a""b"'))).toBe('a"b');
    expect(ok(parseSchemaName('"pg_*"'))).toBe('pg_*');
    expect(ok(parseSchemaName('""""'))).toBe('"');
  });

  it('refuses what PostgreSQL cannot name, or a pattern', () => {
    expect(error(parseSchemaName(''))).toMatch(/empty/);
    expect(error(parseSchemaName('""'))).toMatch(/empty/);
    expect(error(parseSchemaName('a\0b'))).toMatch(/NUL/);
    expect(error(parseSchemaName('x'.repeat(64)))).toMatch(/64 bytes.*at most 63/);
    expect(ok(parseSchemaName('x'.repeat(63)))).toHaveLength(63);
    // 32 two-byte characters: 64 bytes.
    expect(error(parseSchemaName('é'.repeat(32)))).toMatch(/64 bytes/);
    expect(error(parseSchemaName('a"b'))).toMatch(/double quote inside an unquoted name/);
    expect(error(parseSchemaName('"ab'))).toMatch(/does not close/);
    expect(error(parseSchemaName('"a"b"'))).toMatch(/does not close/);
    expect(error(parseSchemaName('app_*'))).toMatch(/wildcard/);
    expect(error(parseSchemaName('app?'))).toMatch(/wildcard/);
  });
});

describe('parseTableName', () => {
  it('splits at the first dot outside double quotes', () => {
    expect(ok(parseTableName('public.audit_log'))).toEqual({
      schema: 'public',
      table: 'audit_log',
    });
    expect(ok(parseTableName('public.AuditLog'))).toEqual({ schema: 'public', table: 'AuditLog' });
    expect(ok(parseTableName('"my.schema"."Audit Log"'))).toEqual({
      schema: 'my.schema',
      table: 'Audit Log',
    });
    expect(ok(parseTableName('public.a.b'))).toEqual({ schema: 'public', table: 'a.b' });
    expect(ok(parseTableName('public."x.""y"'))).toEqual({ schema: 'public', table: 'x."y' });
    expect(ok(parseTableName('public.a$(touch${IFS}MARKER)'))).toEqual({
      schema: 'public',
      table: 'a$(touch${IFS}MARKER)',
    });
    expect(ok(parseTableName('public.audit$log'))).toEqual({
      schema: 'public',
      table: 'audit$log',
    });
  });

  it('refuses a name without a schema, or a broken side', () => {
    expect(error(parseTableName('audit_log'))).toMatch(/write "schema.table"/);
    expect(error(parseTableName('"a.b"'))).toMatch(/write "schema.table"/);
    expect(error(parseTableName('.t'))).toMatch(/schema name is empty/);
    expect(error(parseTableName('public.'))).toMatch(/table name is empty/);
    expect(error(parseTableName('public."t'))).toMatch(/does not close/);
    expect(error(parseTableName('public.*'))).toMatch(/wildcard/);
  });

  it('quotes a table back as SQL writes it', () => {
    expect(quoteTable(ok(parseTableName('"my.schema"."a""b"')))).toBe('"my.schema"."a""b"');
  });
});

describe('in the config', () => {
  const config = (lines: string[]) =>
    [
      'version: 1',
      'projects:',
      '  - name: prod',
      '    db_url_secret: PROD_DB_URL',
      ...lines.map((l) => `    ${l}`),
    ].join('\n');

  it('accepts every name PostgreSQL does and keeps it as written', () => {
    const { projects } = parseConfig(
      config([
        'schemas: [public, MyApp, "touch${IFS}MARKER", "public`touch${IFS}MARKER`", \'"my.schema"\']',
        'exclude_tables: [\'public.a$(touch${IFS}MARKER)\', public.AuditLog, \'"my.schema"."Audit Log"\']',
      ]),
      'c.yaml',
    );
    const p = projects[0]!;
    expect(configuredSchemas(p)).toEqual([
      'public',
      'MyApp',
      'touch${IFS}MARKER',
      'public`touch${IFS}MARKER`',
      'my.schema',
    ]);
    expect(excludedTables(p)).toEqual([
      { schema: 'public', table: 'a$(touch${IFS}MARKER)' },
      { schema: 'public', table: 'AuditLog' },
      { schema: 'my.schema', table: 'Audit Log' },
    ]);
    expect(p.schemas?.[4]).toBe('"my.schema"');
  });

  it('points at the entry that is not a name', () => {
    let err: unknown;
    try {
      parseConfig(config(['schemas: [public, "app_*"]', 'exclude_tables: [public."x]']), 'c.yaml');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toContain(
      'c.yaml:5:23: projects[0].schemas[1]: invalid schema "app_*"; the schema name app_* has a wildcard',
    );
    expect((err as ConfigError).message).toContain(
      'c.yaml:6:22: projects[0].exclude_tables[0]: invalid table "public.\\"x"',
    );
  });

  it('refuses one name listed twice, however it is written', () => {
    expect(() =>
      parseConfig(
        config(['schemas: [MyApp, \'"MyApp"\']', 'exclude_tables: [public.a, \'"public".a\']']),
        'c.yaml',
      ),
    ).toThrow(
      /schemas\[1\]: "MyApp" names the same as MyApp \(schemas\[0\]\); list it once[^]*exclude_tables\[1\]/,
    );
  });

  it('lets the docker engine take plain lower-case names only', () => {
    expect(() =>
      parseConfig(config(['engine: docker', 'schemas: [public, app_2]']), 'c.yaml'),
    ).not.toThrow();
    let err: unknown;
    try {
      parseConfig(
        config(['engine: docker', 'schemas: [public, MyApp]', 'exclude_tables: [public.a$b]']),
        'c.yaml',
      );
    } catch (e) {
      err = e;
    }
    const message = (err as ConfigError).message;
    expect(message).toMatch(
      /c\.yaml:6:23: projects\[0\]\.schemas\[1\]: "MyApp": the docker engine/,
    );
    expect(message).toMatch(/projects\[0\]\.exclude_tables\[0\]: "public\.a\$b": the docker/);
    expect(message).toContain('Use engine supabase-cli or pg-dump');
  });
});
