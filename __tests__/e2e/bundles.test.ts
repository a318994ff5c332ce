/**
 * The bundles users run: dist/cli.js (bin supabase-backup) and dist/index.js (the action, run the
 * way the runner does it: INPUT_* variables, GITHUB_OUTPUT file). CI checks that dist/ is the
 * build of the sources before the suite runs, so this is the committed code.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { secretForms } from '../../src/log.js';
import { runAction } from '../support/action.js';
import { backupEnv, builtCli, writeConfig } from '../support/cli.js';
import { createSupabaseDb } from '../support/fixture.js';
import { startCluster, type Cluster } from '../support/pg-cluster.js';

let source: Cluster;
beforeAll(async () => {
  source = await startCluster();
  await createSupabaseDb(source, 'app', { withUserContent: true });
});
afterAll(async () => {
  await source.stop();
});

describe('dist/cli.js', () => {
  it('answers --help for every command', async () => {
    for (const command of [
      'backup',
      'restore',
      'verify',
      'validate',
      'prune',
      'plan',
      'schema',
      'base-sql',
    ]) {
      const res = await builtCli([command, '--help'], process.env);
      expect(res.code, res.stderr).toBe(0);
      expect(res.stdout).toContain(`supabase-backup ${command}`);
    }
    const none = await builtCli([], process.env);
    expect(none.code, none.stderr).toBe(2);
    expect(none.stdout).toMatch(/Commands:/);
  });

  it('backs up, passes verify, and fails verify on a flipped byte naming the file and both digests', async () => {
    const config = writeConfig({
      name: 'fixture',
      db_url_secret: 'FIXTURE_DB_URL',
      compression: 'gzip',
    });
    const out = mkdtempSync(join(tmpdir(), 'out-'));
    const res = await builtCli(
      ['backup', '--config', config, '--out', out, '--json'],
      backupEnv({ FIXTURE_DB_URL: source.url('app') }),
    );
    expect(res.code, res.stderr).toBe(0);
    const result = JSON.parse(res.stdout) as { sets: { dir: string }[] };
    expect(result.sets).toHaveLength(1);
    for (const form of secretForms(source.password))
      expect(res.stdout + res.stderr).not.toContain(form);
    const dir = result.sets[0]!.dir;
    expect(spawnSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: dir }).status).toBe(0);

    expect((await builtCli(['verify', '--from', out], process.env)).code).toBe(0);
    const file = join(dir, 'data.sql.gz');
    const bytes = readFileSync(file);
    bytes[Math.floor(bytes.length / 2)]! ^= 0x01;
    writeFileSync(file, bytes);
    const bad = await builtCli(['verify', '--from', out], process.env);
    expect(bad.code, bad.stderr).toBe(1);
    expect(bad.stderr).toMatch(
      /data\.sql\.gz: sha256 mismatch: expected [0-9a-f]{64}, actual [0-9a-f]{64}/,
    );
    expect(spawnSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: dir }).status).not.toBe(0);
  });
});

describe('the chunks the bundles load on demand (scripts/build.mjs)', () => {
  it('leave the rarely used SDKs out of dist/cli.js and load from a copy of dist/ anywhere', () => {
    const main = readFileSync('dist/cli.js', 'utf8');
    // The S3 SDK's client class is in a chunk, not in the bundle every command parses.
    expect(main).not.toContain('class S3Client');
    const chunks = readdirSync('dist/chunks/cli');
    expect(chunks.length).toBeGreaterThan(0);
    expect(
      chunks.some((f) =>
        readFileSync(join('dist/chunks/cli', f), 'utf8').includes('class S3Client'),
      ),
    ).toBe(true);

    // As the action runs from wherever its repository was checked out: dist/ copied elsewhere.
    const copy = mkdtempSync(join(tmpdir(), 'dist-copy-'));
    try {
      cpSync('dist', copy, { recursive: true });
      const run = (args: string[]) =>
        spawnSync(process.execPath, [join(copy, 'cli.js'), ...args], {
          encoding: 'utf8',
          // A closed port: the S3 SDK (a chunk) loads, then fails to connect.
          env: {
            PATH: process.env.PATH,
            AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
            AWS_ACCESS_KEY_ID: 'key',
            AWS_SECRET_ACCESS_KEY: 'secret',
            AWS_REGION: 'us-east-1',
          },
        });
      expect(run(['--help']).status).toBe(0);
      const verify = run(['verify', '--from', 's3://bucket/prefix/app/2026-01-01T000000Z']);
      expect(verify.status, verify.stderr).toBe(1);
      expect(verify.stderr).toMatch(/in s3:\/\/bucket at http:\/\/127\.0\.0\.1:9 failed/);
      expect(verify.stderr).not.toMatch(/ERR_MODULE_NOT_FOUND|Cannot find module/);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });
});

describe('dist/index.js (the action)', () => {
  it('runs backup from INPUT_* and sets the sets output', async () => {
    const config = writeConfig({ name: 'fixture', db_url_secret: 'FIXTURE_DB_URL' });
    const res = await runAction({
      inputs: { command: 'backup', config, projects: 'all', 'out-dir': 'backups' },
      env: backupEnv({ FIXTURE_DB_URL: source.url('app') }),
    });
    expect(res.code, res.stdout).toBe(0);
    const sets = JSON.parse(res.outputs.sets!) as {
      project: string;
      set_id: string;
      files: { file: string; sha256: string }[];
    }[];
    expect(sets).toHaveLength(1);
    expect(sets[0]!.project).toBe('fixture');
    expect(sets[0]!.files.map((f) => f.file.replace(/\.(zst|gz)$/, ''))).toEqual([
      'roles.sql',
      'schema.sql',
      'data.sql',
    ]);
    expect(readdirSync(join(res.temp, 'backups', 'fixture'))).toEqual([sets[0]!.set_id]);
    expect(res.stdout).toContain(`::add-mask::`);
    for (const form of secretForms(source.password)) {
      expect(res.stdout.replace(/::add-mask::.*\n/g, '')).not.toContain(form);
      expect(readFileSync(join(res.temp, 'output'), 'utf8')).not.toContain(form);
    }
  });

  it('reports config errors as annotations on the file and line, and fails', async () => {
    const config = writeConfig({ name: 'Bad Name', db_url_secret: 'FIXTURE_DB_URL' });
    const res = await runAction({ inputs: { command: 'validate', config }, env: backupEnv({}) });
    expect(res.code, res.stderr).toBe(1);
    const nameLine =
      readFileSync(config, 'utf8')
        .split('\n')
        .findIndex((l) => l.includes('name:')) + 1;
    expect(nameLine).toBeGreaterThan(0);
    expect(res.stdout).toContain(`.yaml,line=${nameLine},col=`);
    expect(res.stdout).toMatch(
      /::error file=.*backups\.config\.yaml,line=\d+,col=\d+::projects\[0\]\.name: /,
    );
  });
});
