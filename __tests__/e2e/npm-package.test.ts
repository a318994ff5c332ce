/**
 * The CLI as users get it from npm: `npm pack`, the tarball installed into an empty folder with
 * no registry (the package has no dependencies: dist/cli.js and the chunks it loads on demand,
 * dist/chunks/cli/, are the whole CLI), then `npx
 * supabase-backup` prints its help and restores a real set into a fresh Supabase-shaped database.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backupFixture } from '../support/cli.js';
import { createSupabaseDb } from '../support/fixture.js';
import { startCluster, type Cluster } from '../support/pg-cluster.js';
import { diffSnapshots, snapshot } from '../support/snapshot.js';

let source: Cluster;
let target: Cluster;
let setDir: string;
let app: string;
const work = mkdtempSync(join(tmpdir(), 'npm-package-'));
// npx runs the bin with the first node on PATH: the one running this suite (22.15+).
const env = { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}` };
const npx = (args: string[], extra: Record<string, string> = {}) =>
  execFileSync('npx', ['--offline', 'supabase-backup', ...args], {
    cwd: app,
    env: { ...env, ...extra },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });

beforeAll(async () => {
  [source, target] = await Promise.all([startCluster(), startCluster()]);
  await createSupabaseDb(source, 'app', { withUserContent: true });
  await createSupabaseDb(target, 'fresh');
  ({ setDir } = await backupFixture(source.url('app'), 'npm-package-set-'));

  execFileSync('npm', ['pack', '--pack-destination', work], { env, stdio: 'ignore' });
  const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'));
  if (!tarball) throw new Error(`npm pack wrote no tarball into ${work}`);
  app = join(work, 'app');
  execFileSync('mkdir', [app]);
  writeFileSync(join(app, 'package.json'), '{"name":"a-user","private":true}\n');
  execFileSync('npm', ['install', '--offline', '--no-audit', '--no-fund', join(work, tarball)], {
    cwd: app,
    env,
    stdio: 'ignore',
  });
});
afterAll(async () => {
  await Promise.all([source?.stop(), target?.stop()]);
  rmSync(work, { recursive: true, force: true });
});

describe('the npm package', () => {
  it('holds only the CLI, its schema and docs, and needs no dependency', () => {
    const files = execFileSync('npm', ['pack', '--dry-run', '--json'], { env, encoding: 'utf8' });
    const paths = (JSON.parse(files) as { files: { path: string }[] }[])[0]!.files.map(
      (f) => f.path,
    );
    expect(paths).toContain('dist/cli.js');
    expect(paths.filter((p) => p.startsWith('dist/chunks/cli/')).length).toBeGreaterThan(0);
    expect(paths.filter((p) => p.startsWith('dist/chunks/action/'))).toEqual([]);
    expect(paths).toContain('dist/backups.schema.json');
    expect(paths.filter((p) => p.startsWith('src/') || p.startsWith('__tests__/'))).toEqual([]);
    expect(paths).not.toContain('dist/index.js');
    const installed = readdirSync(join(app, 'node_modules')).filter((f) => !f.startsWith('.'));
    expect(installed).toEqual(['supabase-backup']);
  });

  it('npx supabase-backup --help prints the commands', () => {
    const help = npx(['--help']);
    for (const command of ['backup', 'restore', 'verify', 'validate', 'plan'])
      expect(help).toMatch(new RegExp(`^ {2}${command} `, 'm'));
  });

  it('loads the chunks it ships (the S3 SDK) from the installed package', () => {
    // A closed port: the SDK's chunk loads, then the request fails to connect.
    let stderr = '';
    try {
      npx(['verify', '--from', 's3://bucket/prefix/app/2026-01-01T000000Z'], {
        AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
        AWS_ACCESS_KEY_ID: 'key',
        AWS_SECRET_ACCESS_KEY: 'secret',
        AWS_REGION: 'us-east-1',
      });
    } catch (err) {
      stderr = String((err as { stderr?: string }).stderr);
    }
    expect(stderr).toMatch(/in s3:\/\/bucket at http:\/\/127\.0\.0\.1:9 failed/);
    expect(stderr).not.toMatch(/ERR_MODULE_NOT_FOUND|Cannot find module/);
  });

  it('npx supabase-backup restore puts a set back, losing nothing', async () => {
    const out = npx(['restore', '--from', setDir, '--target-url-env', 'TARGET_DB_URL', '--yes'], {
      TARGET_DB_URL: target.url('fresh'),
    });
    expect(out).not.toContain(target.password);
    expect(diffSnapshots(await snapshot(source, 'app'), await snapshot(target, 'fresh'))).toEqual(
      [],
    );
  });
});
