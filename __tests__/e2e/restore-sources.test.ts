/**
 * Restore sources: a downloaded artifact zip, a backup branch on a real git server (fetched with
 * the token, only the chosen set), a local clone or checkout of the branch; the newest set of a
 * project or a chosen one. Damaged sets are refused before the target is touched.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { secretForms } from '../../src/log.js';
import { backupEnv, cli, writeConfig } from '../support/cli.js';
import { createSupabaseDb } from '../support/fixture.js';
import { startGitServer, type GitServer } from '../support/git-server.js';
import { startCluster, type Cluster } from '../support/pg-cluster.js';
import { diffSnapshots, snapshot, type DbSnapshot } from '../support/snapshot.js';

const exec = promisify(execFile);
const TOKEN = 'ghs_restoreSourcesToken0123456789abcdef';
const REPO = 'octo/backups';
const clusters: Cluster[] = [];
let source: Cluster;
let target: Cluster;
let git: GitServer;
let expected: DbSnapshot;
let out: string;
/** The two sets: schema only (older), then everything (newest). */
const sets: string[] = [];

async function backup(extra: string[]): Promise<void> {
  const config = writeConfig({
    name: 'fixture',
    db_url_secret: 'FIXTURE_DB_URL',
    engine: 'pg-dump',
    destinations: ['local', 'branch'],
  });
  const res = await cli(
    ['backup', '--config', config, '--out', out, '--no-prune', ...extra],
    backupEnv({
      FIXTURE_DB_URL: source.url('app'),
      GITHUB_REPOSITORY: REPO,
      GIT_SERVER_URL: git.url('').replace(/\/$/, ''),
      GITHUB_TOKEN: TOKEN,
    }),
  );
  expect(res.code, res.stderr).toBe(0);
  sets.push(readdirSync(join(out, 'fixture')).sort().at(-1)!);
}

beforeAll(async () => {
  [source, target] = await Promise.all([startCluster(), startCluster()]);
  clusters.push(source, target);
  await createSupabaseDb(source, 'app', { withUserContent: true });
  expected = await snapshot(source, 'app');
  git = await startGitServer({ token: TOKEN });
  await git.createBareRepo(`${REPO}.git`);
  out = mkdtempSync(join(tmpdir(), 'restore-src-out-'));
  await backup(['--only', 'schema']);
  await new Promise((r) => setTimeout(r, 1100));
  await backup([]);
});
afterAll(async () => {
  await Promise.all(clusters.map((c) => c.stop()));
  await git?.close();
});

let databases = 0;
/** A new Supabase-shaped database on `cluster`; its URL is in env T. */
async function newTarget(cluster: Cluster): Promise<{ db: string; env: NodeJS.ProcessEnv }> {
  const db = `restored_${++databases}`;
  await createSupabaseDb(cluster, db);
  return { db, env: { ...process.env, T: cluster.url(db), GITHUB_TOKEN: TOKEN } };
}

const userTables = (cluster: Cluster, db: string) =>
  cluster.psql(
    "select count(*) from pg_tables where schemaname not in ('auth','storage','realtime','vault','supabase_functions','supabase_migrations','pg_catalog','information_schema')",
    db,
  );

describe('restore sources', () => {
  it('a downloaded artifact zip (stored entries) restores like its folder', async () => {
    const setDir = join(out, 'fixture', sets[1]!);
    const zip = join(mkdtempSync(join(tmpdir(), 'artifact-')), `fixture-${sets[1]}.zip`);
    await exec('sh', ['-c', 'zip -q -0 -j "$0" "$1"/*', zip, setDir]);
    const { db, env } = await newTarget(target);
    const res = await cli(['restore', '--from', zip, '--target-url-env', 'T', '--yes'], env);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toMatch(/from {4}artifact zip .*\.zip/);
    expect(diffSnapshots(expected, await snapshot(target, db))).toEqual([]);
  });

  it('the newest set of the project on a backup branch, over http with the token', async () => {
    const fresh = await startCluster();
    clusters.push(fresh);
    const { db, env } = await newTarget(fresh);
    const before = git.requests.length;
    const res = await cli(
      [
        'restore',
        '--from-branch',
        git.url(`${REPO}.git`),
        '--project',
        'fixture',
        '--target-url-env',
        'T',
        '--yes',
      ],
      env,
    );
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toContain(`fixture/${sets[1]}`);
    expect(git.requests.slice(before).every((r) => r.authorized)).toBe(true);
    for (const form of secretForms(TOKEN)) expect(res.stderr).not.toContain(form);
    expect(diffSnapshots(expected, await snapshot(fresh, db))).toEqual([]);
  });

  it('--set chooses an older set, from a local clone, its checkout, or the bare repository', async () => {
    const clone = join(mkdtempSync(join(tmpdir(), 'clone-')), 'backups');
    const header = `http.extraheader=AUTHORIZATION: basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}`;
    await exec('git', [
      '-c',
      header,
      'clone',
      '-q',
      '--single-branch',
      '--branch',
      'supabase-backups',
      git.url(`${REPO}.git`),
      clone,
    ]);
    for (const repo of [clone, join(git.root, `${REPO}.git`)]) {
      const res = await cli(
        [
          'restore',
          '--from-branch',
          repo,
          '--set',
          sets[0]!,
          '--target-url',
          'postgresql://u:secret@db.example:5432/postgres',
          '--dry-run',
        ],
        process.env,
      );
      expect(res.code, res.stderr).toBe(0);
      expect(res.stderr).toContain(`restore fixture/${sets[0]}`);
      expect(res.stderr).toMatch(/parts {3}schema \(/);
      expect(res.stderr).toContain('into    postgresql://u:***@db.example:5432/postgres');
      expect(res.stderr).not.toContain('secret');
    }
    const unknown = await cli(
      [
        'restore',
        '--from-branch',
        clone,
        '--set',
        '2001-01-01T000000Z',
        '--target-url-env',
        'T',
        '--dry-run',
      ],
      { T: 'postgresql://u@h/db' },
    );
    expect(unknown.code, unknown.stderr).toBe(2);
    expect(unknown.stderr).toContain(
      `has no set 2001-01-01T000000Z in manifest.json (newest: ${sets[1]}, ${sets[0]})`,
    );

    // A damaged set in the checkout is refused before anything connects to the target.
    const inClone = join(clone, 'fixture', sets[1]!);
    truncateSync(
      join(
        inClone,
        readdirSync(inClone).find((f) => f.startsWith('data.sql'))!,
      ),
      100,
    );
    const { db, env } = await newTarget(target);
    const refused = await cli(
      ['restore', '--from-branch', clone, '--target-url-env', 'T', '--yes'],
      env,
    );
    expect(refused.code, refused.stderr).toBe(1);
    expect(refused.stderr).toMatch(
      /refusing to restore a damaged or incomplete set .*nothing was changed/,
    );
    expect(refused.stderr).toMatch(/data\.sql\.(zst|gz): truncated: 100 bytes/);
    expect(await userTables(target, db)).toBe('0');
  });

  it('an artifact zip missing a file is refused; a folder that is a branch checkout is pointed to --from-branch', async () => {
    const setDir = join(out, 'fixture', sets[1]!);
    const zip = join(mkdtempSync(join(tmpdir(), 'artifact-')), 'partial.zip');
    await exec('sh', [
      '-c',
      'cd "$1" && zip -q -0 "$0" backup.json SHA256SUMS roles.* data.*',
      zip,
      setDir,
    ]);
    const { db, env } = await newTarget(target);
    const res = await cli(['restore', '--from', zip, '--target-url-env', 'T', '--yes'], env);
    expect(res.code, res.stderr).toBe(1);
    expect(res.stderr).toMatch(/^ {2}schema\.sql\.(zst|gz): missing$/m);
    expect(await userTables(target, db)).toBe('0');

    const checkout = join(git.root, 'checkout');
    await exec('git', [
      'clone',
      '-q',
      '--branch',
      'supabase-backups',
      join(git.root, `${REPO}.git`),
      checkout,
    ]);
    const wrong = await cli(
      ['restore', '--from', checkout, '--target-url-env', 'T', '--dry-run'],
      env,
    );
    expect(wrong.code, wrong.stderr).toBe(2);
    expect(wrong.stderr).toContain(`use --from-branch ${checkout} --project NAME`);
  });

  it('verify of a branch checkout checks manifest.json against the set folders', async () => {
    const clone = join(mkdtempSync(join(tmpdir(), 'verify-')), 'backups');
    await exec('git', [
      'clone',
      '-q',
      '--branch',
      'supabase-backups',
      join(git.root, `${REPO}.git`),
      clone,
    ]);
    const ok = await cli(['verify', '--from', clone], process.env);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stderr).toContain('ok    manifest.json lists exactly these 2 set(s)');

    const [older, newer] = [join(clone, 'fixture', sets[0]!), join(clone, 'fixture', sets[1]!)];
    const data = readdirSync(newer).find((f) => f.startsWith('data.sql'))!;
    const roles = readdirSync(newer).find((f) => f.startsWith('roles.sql'))!;
    await exec('cp', ['-r', older, join(clone, 'fixture', '2030-01-01T000000Z')]);
    await exec('rm', ['-r', older]);
    truncateSync(join(newer, data), 10);
    writeFileSync(join(newer, roles), 'tampered');
    writeFileSync(join(newer, 'notes.txt'), 'extra');
    rmSync(join(newer, 'SHA256SUMS'));
    const res = await cli(['verify', '--from', clone, '--json'], process.env);
    expect(res.code, res.stderr).toBe(1);
    const problems = res.stderr.split('\n').filter((l) => l.startsWith('error:   '));
    expect(problems).toEqual(
      expect.arrayContaining([
        `error:   fixture/${sets[1]}/SHA256SUMS: missing`,
        expect.stringMatching(
          new RegExp(`^error: {3}fixture/${sets[1]}/roles\\.sql\\.\\w+: (truncated|too long)`),
        ),
        expect.stringMatching(
          new RegExp(`^error: {3}fixture/${sets[1]}/data\\.sql\\.\\w+: truncated: 10 bytes`),
        ),
        `error:   fixture/${sets[1]}/notes.txt: unexpected file in the set`,
        `error:   manifest.json: lists fixture/${sets[0]}, which has no files`,
        'error:   fixture/2030-01-01T000000Z: set folder not listed in manifest.json',
      ]),
    );
    const json = JSON.parse(res.stdout) as { catalog: { message: string }[]; problems: number };
    expect(json.catalog.map((p) => p.message)).toHaveLength(2);
    expect(json.problems).toBe(problems.length);
  });
});
