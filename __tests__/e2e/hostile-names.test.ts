/**
 * Config names are data, matched exactly (issue #13, parts 1 and 2). The built CLI backs up a
 * real cluster whose schemas and tables carry the names: shell code in a name is never run (no
 * marker file appears anywhere) and the objects are dumped as the literal names they are;
 * `schemas: [public, app]` dumps both schemas; mixed-case names are honoured (no folding to
 * lower case); a name that matches nothing is an error, or a warning when harmless.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILT_CLI, backupEnv, writeConfig, type CliResult } from '../support/cli.js';
import { createSupabaseDb } from '../support/fixture.js';
import { startCluster, type Cluster } from '../support/pg-cluster.js';

/** The file the hostile names would create if any of them ever ran as shell code. */
const MARKER = `HOSTILE_MARKER_${process.pid}`;
const HOSTILE_SCHEMA = `touch\${IFS}${MARKER}`;
const HOSTILE_BACKTICK = `public\`touch\${IFS}${MARKER}\``;
const HOSTILE_TABLE = `a$(touch\${IFS}${MARKER})`;
const q = (name: string) => `"${name.replace(/"/g, '""')}"`;

let source: Cluster;
/** Where the CLI runs (the hostile names create MARKER relative to it). */
let cwd: string;
beforeAll(async () => {
  source = await startCluster();
  await createSupabaseDb(source, 'app');
  await source.psql(
    `CREATE TABLE public.notes (id int PRIMARY KEY, body text);
     INSERT INTO public.notes VALUES (1, 'public-note-row');
     CREATE TABLE public."audit$log" (id int, body text);
     INSERT INTO public."audit$log" VALUES (1, 'dollar-audit-row');
     CREATE SCHEMA app;
     CREATE TABLE app.items (id int PRIMARY KEY, label text);
     INSERT INTO app.items VALUES (1, 'app-item-row');
     CREATE SCHEMA "MyApp";
     CREATE TABLE "MyApp"."Widgets" (id int PRIMARY KEY, name text);
     INSERT INTO "MyApp"."Widgets" VALUES (1, 'mixed-case-widget-row');
     -- What folding MyApp and AuditLog to lower case would pick instead.
     CREATE SCHEMA myapp;
     CREATE TABLE myapp.decoy (id int PRIMARY KEY, name text);
     INSERT INTO myapp.decoy VALUES (1, 'folded-decoy-row');
     CREATE TABLE public."AuditLog" (id int PRIMARY KEY, email text);
     INSERT INTO public."AuditLog" VALUES (1, 'personal-data@example.com');
     CREATE TABLE public.auditlog (id int PRIMARY KEY, note text);
     INSERT INTO public.auditlog VALUES (1, 'lowercase-auditlog-row');
     CREATE SCHEMA ${q(HOSTILE_SCHEMA)};
     CREATE TABLE ${q(HOSTILE_SCHEMA)}.t1 (v text);
     INSERT INTO ${q(HOSTILE_SCHEMA)}.t1 VALUES ('hostile-schema-row');
     CREATE SCHEMA ${q(HOSTILE_BACKTICK)};
     CREATE TABLE ${q(HOSTILE_BACKTICK)}.t2 (v text);
     INSERT INTO ${q(HOSTILE_BACKTICK)}.t2 VALUES ('backtick-schema-row');
     CREATE TABLE public.${q(HOSTILE_TABLE)} (v text);
     INSERT INTO public.${q(HOSTILE_TABLE)} VALUES ('hostile-table-row');`,
    'app',
  );
  cwd = mkdtempSync(join(tmpdir(), 'hostile-cwd-'));
  made.push(cwd);
}, 120_000);
/** Temp dirs this file made, removed at the end (checked for markers before). */
const made: string[] = [];
afterAll(async () => {
  await source?.stop();
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** `node dist/cli.js` in `cwd`, so a name run as shell code would leave MARKER there. */
function runCli(argv: string[], env: NodeJS.ProcessEnv): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BUILT_CLI, ...argv], { env, cwd, stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

/** Every MARKER file in the places a dump's shell could have written one. */
function markers(dirs: string[]): string[] {
  const found: string[] = [];
  for (const dir of [cwd, process.cwd(), tmpdir(), homedir(), ...dirs]) {
    if (existsSync(join(dir, MARKER))) found.push(join(dir, MARKER));
  }
  for (const dir of [cwd, ...dirs]) {
    for (const f of readdirSync(dir, { recursive: true }) as string[]) {
      if (f.endsWith(MARKER)) found.push(join(dir, f));
    }
  }
  return found;
}

type Engine = 'supabase-cli' | 'pg-dump';
/**
 * Where the supabase-cli engine's scripts come from: the bundle alone; the CLI binary named by
 * SUPABASE_CLI_PATH (its release is the bundled one, so still the bundle); or a binary of a
 * release the bundle does not hold, whose default-flag scripts come from dry runs.
 */
type Scripts = 'bundle' | 'named CLI' | 'dry run';
const ENGINES: { engine: Engine; scripts: Scripts }[] = [
  { engine: 'supabase-cli', scripts: 'bundle' },
  { engine: 'supabase-cli', scripts: 'named CLI' },
  { engine: 'supabase-cli', scripts: 'dry run' },
  { engine: 'pg-dump', scripts: 'named CLI' },
];

/** The real CLI, reporting a release the bundle has no scripts for. */
function otherRelease(): string {
  const dir = mkdtempSync(join(tmpdir(), 'hostile-cli-'));
  made.push(dir);
  const file = join(dir, 'supabase');
  const real = resolve('node_modules/.bin/supabase');
  writeFileSync(
    file,
    `#!/bin/sh\nif [ "$1" = --version ]; then echo 3.0.99; exit 0; fi\nexec "${real}" "$@"\n`,
    { mode: 0o755 },
  );
  return file;
}

async function backup(engine: Engine, scripts: Scripts, filters: Record<string, unknown>) {
  const config = writeConfig({
    name: 'fixture',
    db_url_secret: 'FIXTURE_DB_URL',
    engine,
    compression: 'none',
    parts: ['schema', 'data'],
    ...filters,
  });
  const out = mkdtempSync(join(tmpdir(), 'hostile-out-'));
  made.push(out, dirname(config));
  const env = backupEnv({ FIXTURE_DB_URL: source.url('app') });
  if (scripts === 'bundle') delete env['SUPABASE_CLI_PATH'];
  if (scripts === 'dry run') {
    env['SUPABASE_CLI_PATH'] = otherRelease();
    // A fresh binary each time: keep its answers out of the user's cache.
    env['SUPABASE_BACKUP_NO_CLI_CACHE'] = '1';
  }
  const res = await runCli(['backup', '--config', config, '--out', out], env);
  const setDir = existsSync(join(out, 'fixture'))
    ? join(out, 'fixture', readdirSync(join(out, 'fixture'))[0] ?? '')
    : undefined;
  const read = (f: string) => (setDir ? readFileSync(join(setDir, f), 'utf8') : '');
  return {
    res,
    dirs: [out, dirname(config)],
    complete: setDir !== undefined && existsSync(join(setDir, 'backup.json')),
    schema: () => read('schema.sql'),
    data: () => read('data.sql'),
    manifest: () =>
      JSON.parse(read('backup.json')) as {
        warnings: string[];
        tools: Record<string, string>;
        drill?: unknown;
      },
  };
}

describe.each(ENGINES)('$engine (scripts: $scripts)', ({ engine, scripts }) => {
  it('dumps hostile names as the literal names they are, and runs none of them', async () => {
    const b = await backup(engine, scripts, {
      schemas: ['public', HOSTILE_SCHEMA, HOSTILE_BACKTICK],
      exclude_tables: [`public.${HOSTILE_TABLE}`],
      // Restored into a throwaway cluster and compared before it is stored.
      parts: ['roles', 'schema', 'data'],
      drill: true,
    });
    expect(markers(b.dirs)).toEqual([]);
    expect(b.res.code, b.res.stderr).toBe(0);
    expect(b.complete).toBe(true);
    // The supabase-cli engine writes CREATE TABLE IF NOT EXISTS, pg-dump CREATE TABLE.
    const tables = [...b.schema().matchAll(/^CREATE TABLE (?:IF NOT EXISTS )?(.+) \($/gm)];
    const created = tables.map((m) => m[1]);
    expect(created).toContain(`${q(HOSTILE_SCHEMA)}."t1"`);
    expect(created).toContain(`${q(HOSTILE_BACKTICK)}."t2"`);
    // Excluded: its rows, not its definition.
    expect(created).toContain(`"public".${q(HOSTILE_TABLE)}`);
    const data = b.data();
    expect(data).toContain('hostile-schema-row');
    expect(data).toContain('backtick-schema-row');
    expect(data).toContain('public-note-row');
    expect(data).not.toContain('hostile-table-row');
    expect(data).not.toContain('app-item-row');
    expect(b.manifest().drill).toBeDefined();
    // The scripts came from where this case says.
    const cliRelease = { bundle: '3.1.0', 'named CLI': '3.1.0', 'dry run': '3.0.99' }[scripts];
    expect(b.manifest().tools['supabase_cli']).toBe(
      engine === 'supabase-cli' ? cliRelease : undefined,
    );
  }, 120_000);

  it('backs up every listed schema, and excludes a table whose name has a $', async () => {
    const b = await backup(engine, scripts, {
      schemas: ['public', 'app'],
      exclude_tables: ['public.audit$log'],
    });
    expect(b.res.code, b.res.stderr).toBe(0);
    expect(b.schema()).toMatch(/CREATE TABLE (IF NOT EXISTS )?"app"\."items"/);
    expect(b.schema()).toMatch(/CREATE TABLE (IF NOT EXISTS )?"public"\."notes"/);
    expect(b.schema()).toContain('"public"."audit$log"');
    expect(b.data()).toContain('app-item-row');
    expect(b.data()).toContain('public-note-row');
    expect(b.data()).not.toContain('dollar-audit-row');
    expect(b.schema()).not.toContain('"MyApp"');
  }, 120_000);

  it('honours mixed-case names exactly: no folding to lower case', async () => {
    const b = await backup(engine, scripts, {
      schemas: ['public', 'MyApp'],
      exclude_tables: ['public.AuditLog'],
    });
    expect(b.res.code, b.res.stderr).toBe(0);
    const schema = b.schema();
    expect(schema).toMatch(/CREATE TABLE (IF NOT EXISTS )?"MyApp"\."Widgets"/);
    expect(schema).toMatch(/CREATE TABLE (IF NOT EXISTS )?"public"\."AuditLog"/);
    expect(schema).not.toContain('"myapp"');
    const data = b.data();
    expect(data).toContain('mixed-case-widget-row');
    expect(data).not.toContain('folded-decoy-row');
    expect(data).not.toContain('personal-data@example.com');
    expect(data).toContain('lowercase-auditlog-row');
    expect(b.manifest().warnings).toEqual([]);
  }, 120_000);

  it('refuses a schema that does not exist as written, naming the near miss', async () => {
    const b = await backup(engine, scripts, { schemas: ['public', 'MYAPP'] });
    expect(b.res.code).not.toBe(0);
    expect(b.complete).toBe(false);
    expect(b.res.stderr).toContain('schema "MYAPP" (in schemas) does not exist');
    expect(b.res.stderr).toContain('"MyApp", "myapp"');
  }, 120_000);

  it('refuses an excluded table whose rows would be dumped; warns about one that is gone', async () => {
    const near = await backup(engine, scripts, { exclude_tables: ['public.AUDITLOG'] });
    expect(near.res.code).not.toBe(0);
    expect(near.complete).toBe(false);
    expect(near.res.stderr).toContain('excluded table "public"."AUDITLOG"');
    expect(near.res.stderr).toContain('its rows would be dumped');

    const gone = await backup(engine, scripts, { exclude_tables: ['public.no_such_table'] });
    expect(gone.res.code, gone.res.stderr).toBe(0);
    expect(gone.manifest().warnings).toContain(
      'excluded table "public"."no_such_table" (in exclude_tables) does not exist: nothing to exclude',
    );
  }, 120_000);
});

it('validate accepts the hostile names, and refuses them for the docker engine', async () => {
  const names = {
    name: 'fixture',
    db_url_secret: 'FIXTURE_DB_URL',
    schemas: ['public', HOSTILE_SCHEMA, HOSTILE_BACKTICK],
    exclude_tables: [`public.${HOSTILE_TABLE}`],
  };
  const env = backupEnv({});
  const [plain, withDocker] = [writeConfig(names), writeConfig({ ...names, engine: 'docker' })];
  made.push(dirname(plain), dirname(withDocker));
  const ok = await runCli(['validate', '--config', plain], env);
  expect(ok.code, ok.stderr).toBe(0);
  const docker = await runCli(['validate', '--config', withDocker], env);
  expect(docker.code).not.toBe(0);
  expect(docker.stdout + docker.stderr).toContain('the docker engine passes names');
  expect(markers([])).toEqual([]);
}, 60_000);
