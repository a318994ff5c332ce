/**
 * The spine, end to end on a Supabase-shaped database: backup with each engine, check the set
 * with the standard tools, restore it into a new project with Supabase's documented psql
 * command and with `restore`, and compare everything with the source.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseBackupJson, type BackupManifest } from '../../src/catalog/backup-json.js';
import { backupEnv, cli, writeConfig } from '../support/cli.js';
import { createSupabaseDb } from '../support/fixture.js';
import { startCluster, type Cluster } from '../support/pg-cluster.js';
import { diffSnapshots, snapshot, type DbSnapshot } from '../support/snapshot.js';

const clusters: Cluster[] = [];
async function cluster(): Promise<Cluster> {
  const c = await startCluster();
  clusters.push(c);
  return c;
}
afterAll(async () => {
  await Promise.all(clusters.map((c) => c.stop()));
});

let source: Cluster;
let expected: DbSnapshot;
beforeAll(async () => {
  source = await cluster();
  await createSupabaseDb(source, 'app', { withUserContent: true });
  expected = await snapshot(source, 'app');
});

function setDirOf(out: string, project: string): string {
  const sets = readdirSync(join(out, project));
  expect(sets).toHaveLength(1);
  return join(out, project, sets[0]!);
}

async function backupWith(
  engine: string,
  extraArgs: string[] = [],
): Promise<{ dir: string; manifest: BackupManifest; log: string }> {
  const config = writeConfig({ name: 'fixture', db_url_secret: 'FIXTURE_DB_URL', engine });
  const out = mkdtempSync(join(tmpdir(), 'out-'));
  const res = await cli(
    ['backup', '--config', config, '--out', out, ...extraArgs],
    backupEnv({ FIXTURE_DB_URL: source.url('app') }),
  );
  expect(res.stderr).not.toContain(source.password);
  expect(res.code, res.stderr).toBe(0);
  const dir = setDirOf(out, 'fixture');
  return {
    dir,
    manifest: parseBackupJson(readFileSync(join(dir, 'backup.json'), 'utf8')),
    log: res.stderr,
  };
}

/** Decompresses each part with the standard tool, as a user following the README would. */
function decompress(dir: string, manifest: BackupManifest): Record<string, string> {
  const work = mkdtempSync(join(tmpdir(), 'plain-'));
  const files: Record<string, string> = {};
  for (const p of manifest.parts) {
    const target = join(work, `${p.part}.sql`);
    const tool = {
      zstd: ['zstd', '-dq', '-o', target],
      gzip: ['sh', '-c', `gzip -dc "$0" > "${target}"`],
      none: ['cp'],
    }[p.compression];
    execFileSync(
      tool[0]!,
      p.compression === 'none'
        ? [join(dir, p.file), target]
        : [...tool.slice(1), join(dir, p.file)],
    );
    files[p.part] = target;
  }
  return files;
}

/** Supabase's documented restore command. */
function documentedRestore(target: Cluster, db: string, files: Record<string, string>): void {
  execFileSync(
    'psql',
    [
      '-X',
      '-q',
      '--single-transaction',
      '-v',
      'ON_ERROR_STOP=1',
      '-f',
      files.roles!,
      '-f',
      files.schema!,
      '-c',
      'SET session_replication_role = replica',
      '-f',
      files.data!,
    ],
    {
      env: {
        ...process.env,
        PGHOST: target.host,
        PGPORT: String(target.port),
        PGUSER: 'postgres',
        PGPASSWORD: target.password,
        PGDATABASE: db,
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
}

describe('round trip on a Supabase-shaped database', () => {
  it('supabase-cli engine: sha256sum -c passes and the documented psql restore loses nothing', async () => {
    const { dir, manifest, log } = await backupWith('supabase-cli');
    expect(execFileSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: dir, encoding: 'utf8' })).toMatch(
      /data\.sql.*: OK/,
    );
    expect(manifest.tools.supabase_cli).toBe('3.1.0');
    expect(manifest.parts.map((p) => p.part)).toEqual(['roles', 'schema', 'data']);
    // Row counts come from the dump itself and must equal the source's.
    const counted = new Map(manifest.tables.map((t) => [`${t.schema}.${t.name}`, t.rows]));
    expect(counted.get('auth.users')).toBe(
      Number(await source.psql('select count(*) from auth.users', 'app')),
    );
    expect(Math.max(...counted.values())).toBeGreaterThanOrEqual(1000);
    // Vault secrets are deliberately left out, and said so.
    expect(manifest.warnings.join('\n')).toMatch(/vault\.secrets holds \d+ secret/);
    expect(log).toMatch(/vault\.secrets/);

    const target = await cluster();
    await createSupabaseDb(target, 'app');
    documentedRestore(target, 'app', decompress(dir, manifest));
    expect(diffSnapshots(expected, await snapshot(target, 'app'))).toEqual([]);
  });

  it('supabase-cli engine needs no CLI, with or without filters: the scripts of the pinned release ship with it', async () => {
    // No CLI anywhere: none on PATH, an empty tool cache, and a download base that has none.
    const releases = createServer((_req, res) => res.writeHead(404).end());
    await new Promise<void>((ok) => releases.listen(0, '127.0.0.1', ok));
    const base = `http://127.0.0.1:${(releases.address() as AddressInfo).port}`;
    const config = writeConfig({ name: 'fixture', db_url_secret: 'FIXTURE_DB_URL' });
    const bin = resolve('node_modules/.bin');
    const env = backupEnv({
      FIXTURE_DB_URL: source.url('app'),
      PATH: (process.env.PATH ?? '')
        .split(':')
        .filter((d) => resolve(d) !== bin)
        .join(':'),
      RUNNER_TOOL_CACHE: mkdtempSync(join(tmpdir(), 'empty-tool-cache-')),
    });
    delete env.SUPABASE_CLI_PATH;
    const run = (cfg: string, out: string) =>
      cli(['backup', '--config', cfg, '--out', out, '--cli-download-base', base], env);
    const out = mkdtempSync(join(tmpdir(), 'out-'));
    const res = await run(config, out);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).not.toMatch(/Downloading Supabase CLI/);
    const dir = setDirOf(out, 'fixture');
    const manifest = parseBackupJson(readFileSync(join(dir, 'backup.json'), 'utf8'));
    expect(manifest.engine).toBe('supabase-cli');
    expect(manifest.tools.supabase_cli).toBe('3.1.0');
    expect(manifest.parts.map((p) => p.part)).toEqual(['roles', 'schema', 'data']);
    const target = await cluster();
    await createSupabaseDb(target, 'app');
    documentedRestore(target, 'app', decompress(dir, manifest));
    expect(diffSnapshots(expected, await snapshot(target, 'app'))).toEqual([]);

    // Filters need no CLI either: they are added to the shipped scripts' pg_dump arguments.
    const filtered = writeConfig({
      name: 'fixture',
      db_url_secret: 'FIXTURE_DB_URL',
      schemas: ['public', 'app'],
      exclude_tables: ['app.audit_log'],
    });
    const filteredOut = mkdtempSync(join(tmpdir(), 'out-'));
    const withFilters = await run(filtered, filteredOut);
    releases.close();
    expect(withFilters.code, withFilters.stderr).toBe(0);
    expect(withFilters.stderr).not.toMatch(/Downloading Supabase CLI/);
    const filteredDir = setDirOf(filteredOut, 'fixture');
    const files = decompress(
      filteredDir,
      parseBackupJson(readFileSync(join(filteredDir, 'backup.json'), 'utf8')),
    );
    const plain = {
      schema: readFileSync(files['schema']!, 'utf8'),
      data: readFileSync(files['data']!, 'utf8'),
    };
    expect(plain['schema']).toMatch(/^CREATE TABLE IF NOT EXISTS "app"\."audit_log" \(/m);
    expect(plain['data']).not.toMatch(/^COPY "app"\."audit_log"/m);
    expect(plain['data']).toMatch(/^COPY "app"\./m);
    expect(plain['data']).toMatch(/^COPY "public"\./m);
  });

  it('pg-dump engine: `restore` verifies, applies in one transaction and checks row counts', async () => {
    // A small file size limit splits the data part into chunks, which restore joins again.
    const { dir, manifest } = await backupWith('pg-dump', ['--max-file-size', '50k']);
    expect(manifest.engine).toBe('pg-dump');
    expect(manifest.parts.find((p) => p.part === 'data')?.chunks?.length).toBeGreaterThan(1);
    const target = await cluster();
    await createSupabaseDb(target, 'app');
    const env = { ...process.env, TARGET_URL: target.url('app') };

    const refused = await cli(['restore', '--from', dir, '--target-url-env', 'TARGET_URL'], env);
    expect(refused.code, refused.stderr).toBe(2);
    expect(refused.stderr).toMatch(/--yes/);
    expect(refused.stderr).not.toContain(target.password);

    const res = await cli(
      ['restore', '--from', dir, '--target-url-env', 'TARGET_URL', '--yes'],
      env,
    );
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toMatch(/row counts match backup.json for \d+ tables/);
    expect(res.stderr).toMatch(/set passwords again for these login roles.*: .*app_reporter/);
    expect(diffSnapshots(expected, await snapshot(target, 'app'))).toEqual([]);
  });

  it('the official CLI scripts alone lose storage policies, auth.users triggers and materialized view rows', async () => {
    const work = mkdtempSync(join(tmpdir(), 'official-'));
    const supabase = backupEnv({}).SUPABASE_CLI_PATH!;
    const env = {
      ...process.env,
      PGHOST: source.host,
      PGPORT: String(source.port),
      PGUSER: 'postgres',
      PGPASSWORD: source.password,
      PGDATABASE: 'app',
    };
    const files: Record<string, string> = {};
    for (const [part, flags] of [
      ['roles', ['--role-only']],
      ['schema', []],
      ['data', ['--data-only', '--use-copy']],
    ] as const) {
      const script = execFileSync(
        supabase,
        ['db', 'dump', '--remote', source.url('app'), '--dry-run', ...flags],
        {
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'ignore'],
        },
      );
      files[part] = join(work, `${part}.sql`);
      const out = execFileSync('bash', ['-c', script.replace(/^export PG.*$/gm, '')], {
        env,
        maxBuffer: 1 << 30,
      });
      expect(out.length, `official ${part} script output`).toBeGreaterThan(0);
      writeFileSync(files[part], out);
    }
    const target = await cluster();
    await createSupabaseDb(target, 'app');
    documentedRestore(target, 'app', files);
    const lost = diffSnapshots(expected, await snapshot(target, 'app')).join('\n');
    expect(lost).toMatch(/storage.*objects/);
    expect(lost).toMatch(/on_auth_user_created/);
    expect(lost).toMatch(/daily_order_stats.*populated=f/);
  });
});
