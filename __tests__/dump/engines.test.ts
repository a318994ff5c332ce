import { describe, expect, it } from 'vitest';
import type { ProjectConfig } from '../../src/config/types.js';
import { DEFAULT_SUPABASE_CLI_VERSION } from '../../src/config/types.js';
import { bundledScript } from '../../src/dump/bundled-scripts.js';
import { parseCliScript } from '../../src/dump/cli-script.js';
import {
  cliScriptFlags,
  dockerArgs,
  pgDumpArgs,
  supabaseCliScript,
} from '../../src/dump/engines.js';
import { orderMatviews } from '../../src/dump/extras.js';
import { rolesRewrite, schemaRewrite } from '../../src/pipeline/line-rewrite.js';
import { RESERVED_ROLES } from '../../src/dump/platform-schemas.js';
import { resolve } from 'node:path';

const project: ProjectConfig = {
  name: 'prod',
  db_url_secret: 'PROD_DB_URL',
  parts: ['roles', 'schema', 'data'],
  schemas: ['public', 'app'],
  exclude_tables: ['public.audit_log'],
  engine: 'supabase-cli',
  supabase_cli_version: '3.1.0',
  destinations: ['local'],
  branch: 'supabase-backups',
  artifact_prefix: 'supabase-backup',
  allow_unencrypted_public: false,
};

/** The values that follow each occurrence of `flag`. */
const after = (args: string[], flag: string) =>
  args.flatMap((a, i) => (a === flag ? [args[i + 1]] : []));

describe('engine arguments', () => {
  it('asks the CLI only for the default flags of each part, never the filters', () => {
    expect(cliScriptFlags('roles')).toEqual(['--role-only']);
    expect(cliScriptFlags('schema')).toEqual([]);
    expect(cliScriptFlags('data')).toEqual(['--data-only', '--use-copy']);
  });

  it('builds pg_dump arguments with the platform exclusions and never a connection string', () => {
    const data = pgDumpArgs('data', project);
    expect(data).toContain('--data-only');
    expect(data.join(' ')).toContain('--exclude-table auth.schema_migrations');
    expect(data.join(' ')).toContain('--exclude-table-data "public"."audit_log"');
    expect(data.join(' ')).toContain('--exclude-schema vault');
    expect(pgDumpArgs('schema', project).join(' ')).toContain('--exclude-schema auth');
    expect(pgDumpArgs('roles', project)).toContain('--no-role-passwords');
    for (const part of ['roles', 'schema', 'data'] as const) {
      expect(pgDumpArgs(part, project).join(' ')).not.toMatch(/postgres(ql)?:\/\/|--dbname|-d /);
    }
  });

  it('gives pg_dump each configured name as one exact pattern, case and all', () => {
    const hostile = {
      ...project,
      schemas: ['public', 'MyApp', '"my.schema"', 'touch${IFS}MARKER'],
      exclude_tables: ['public.AuditLog', '"my.schema"."Audit ""Log"""', 'public.a$(touch)'],
    };
    const schema = pgDumpArgs('schema', hostile);
    expect(schema).toContain('--strict-names');
    expect(after(schema, '--schema')).toEqual([
      '"public"',
      '"MyApp"',
      '"my.schema"',
      '"touch${IFS}MARKER"',
    ]);
    expect(after(pgDumpArgs('data', hostile), '--exclude-table-data')).toEqual([
      '"public"."AuditLog"',
      '"my.schema"."Audit ""Log"""',
      '"public"."a$(touch)"',
    ]);
    expect(pgDumpArgs('roles', hostile).join(' ')).not.toContain('MyApp');
    expect(pgDumpArgs('schema', { ...project, schemas: undefined })).not.toContain(
      '--strict-names',
    );
  });

  it('gives the docker engine a URL, the file to write and each filter as its own argument', () => {
    expect(
      dockerArgs(
        'data',
        project,
        'postgresql://postgres@db.example:5432/postgres',
        '/tmp/x/data.sql',
      ),
    ).toEqual([
      'db',
      'dump',
      '--remote',
      'postgresql://postgres@db.example:5432/postgres',
      '-f',
      '/tmp/x/data.sql',
      '--data-only',
      '--use-copy',
      '--schema',
      'public,app',
      '--exclude',
      'public.audit_log',
    ]);
    expect(dockerArgs('roles', project, 'u', 'f')).toEqual([
      'db',
      'dump',
      '--remote',
      'u',
      '-f',
      'f',
      '--role-only',
    ]);
  });
});

describe('supabaseCliScript (real Supabase CLI)', () => {
  // Another version than the shipped one: the script comes from the binary's dry run.
  const cli = {
    path: resolve('node_modules/.bin/supabase'),
    version: '0.0.0-not-shipped',
    source: 'path' as const,
  };

  it('dry-runs the default flags into a script that parses as the shipped one does', async () => {
    for (const part of ['roles', 'schema', 'data'] as const) {
      const script = await supabaseCliScript(cli, cliScriptFlags(part));
      expect(script).toMatch(part === 'roles' ? /^pg_dumpall \\$/m : /^pg_dump \\$/m);
      expect(script).not.toMatch(/PGPASSWORD|PGHOST|export PG/);
      const shipped = bundledScript(DEFAULT_SUPABASE_CLI_VERSION, cliScriptFlags(part))!;
      expect(parseCliScript(script, cli.version)).toEqual(
        parseCliScript(shipped, DEFAULT_SUPABASE_CLI_VERSION),
      );
    }
  });
});

describe('rewrites', () => {
  it('keeps reserved roles out of the roles part', () => {
    const rw = rolesRewrite(RESERVED_ROLES);
    expect(rw('CREATE ROLE "anon";')).toBe('-- CREATE ROLE "anon";');
    expect(rw('ALTER ROLE "supabase_admin" WITH SUPERUSER;')).toMatch(/^-- /);
    expect(rw('CREATE ROLE "app_reporter";')).toBe('CREATE ROLE "app_reporter";');
    expect(rw('ALTER ROLE "app_reporter" WITH NOSUPERUSER INHERIT LOGIN;')).toBe(
      'ALTER ROLE "app_reporter" WITH INHERIT LOGIN;',
    );
  });

  it('makes schema creation idempotent and drops what a new project already has', () => {
    expect(schemaRewrite('CREATE SCHEMA "app";')).toBe('CREATE SCHEMA IF NOT EXISTS "app";');
    expect(
      schemaRewrite('CREATE PUBLICATION "supabase_realtime" WITH (publish = \'insert\');'),
    ).toMatch(/^-- /);
    expect(schemaRewrite('CREATE TABLE "public"."t" (')).toBe('CREATE TABLE "public"."t" (');
  });
});

describe('orderMatviews', () => {
  it('puts each materialized view after the ones it reads', () => {
    const order = orderMatviews([
      { name: 'public.top', deps: ['public.mid'] },
      { name: 'public.mid', deps: ['public.base'] },
      { name: 'public.base', deps: [] },
      { name: 'public.alone', deps: ['public.unpopulated'] },
    ]);
    expect(order.indexOf('public.base')).toBeLessThan(order.indexOf('public.mid'));
    expect(order.indexOf('public.mid')).toBeLessThan(order.indexOf('public.top'));
    expect(order).toContain('public.alone');
    expect(order).toHaveLength(4);
  });
});
