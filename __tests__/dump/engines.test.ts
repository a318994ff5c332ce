import { describe, expect, it } from 'vitest';
import type { ProjectConfig } from '../../src/config/types.js';
import {
  dockerArgs,
  pgDumpArgs,
  supabaseCliFlags,
  supabaseCliScript,
} from '../../src/dump/engines.js';
import { orderMatviews } from '../../src/dump/extras.js';
import { rolesRewrite, schemaRewrite } from '../../src/dump/line-rewrite.js';
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

describe('engine arguments', () => {
  it('passes the CLI its own flags per part, with the filters', () => {
    expect(supabaseCliFlags('roles', project)).toEqual(['--role-only']);
    expect(supabaseCliFlags('schema', project)).toEqual(['--schema', 'public,app']);
    expect(supabaseCliFlags('data', project)).toEqual([
      '--data-only',
      '--use-copy',
      '--schema',
      'public,app',
      '--exclude',
      'public.audit_log',
    ]);
  });

  it('builds pg_dump arguments with the platform exclusions and never a connection string', () => {
    const data = pgDumpArgs('data', project);
    expect(data).toContain('--data-only');
    expect(data.join(' ')).toContain('--exclude-table auth.schema_migrations');
    expect(data.join(' ')).toContain('--exclude-table-data public.audit_log');
    expect(data.join(' ')).toContain('--exclude-schema vault');
    expect(pgDumpArgs('schema', project).join(' ')).toContain('--exclude-schema auth');
    expect(pgDumpArgs('roles', project)).toContain('--no-role-passwords');
    for (const part of ['roles', 'schema', 'data'] as const) {
      expect(pgDumpArgs(part, project).join(' ')).not.toMatch(/postgres(ql)?:\/\/|--dbname|-d /);
    }
  });

  it('gives the docker engine a URL and the file to write', () => {
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
  });
});

describe('supabaseCliScript (real Supabase CLI)', () => {
  const cli = {
    path: resolve('node_modules/.bin/supabase'),
    version: '3.1.0',
    source: 'path' as const,
  };

  it('gets the CLI dry-run script without any connection export', async () => {
    for (const part of ['roles', 'schema', 'data'] as const) {
      const script = await supabaseCliScript(cli, supabaseCliFlags(part, project));
      expect(script).toMatch(part === 'roles' ? /^pg_dumpall \\$/m : /^pg_dump \\$/m);
      expect(script).not.toMatch(/PGPASSWORD|PGHOST|export PG/);
    }
    const data = await supabaseCliScript(cli, supabaseCliFlags('data', project));
    expect(data).toContain('--schema "public|app"');
    expect(data).toContain('session_replication_role = replica');
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
