/**
 * A failure at any point leaves no set that looks complete, no temp files, a non-zero exit and
 * a message that names the cause, and never the password.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backup } from '../../src/backup/make-sets.js';
import { parseConfig } from '../../src/config/load.js';
import { secretForms, streamLogger } from '../../src/log.js';
import { backupEnv, builtCli, cli, tree, writeConfig } from '../support/cli.js';
import { pgMajorBinDir } from '../support/pg-majors.js';
import { faultyPgBinDir } from '../support/faulty-pg.js';
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

function expectNoLeak(text: string, password: string): void {
  for (const form of secretForms(password)) expect(text).not.toContain(form);
}

async function failingBackup(
  engine: string,
  env: Record<string, string>,
  extraArgs: string[] = [],
) {
  const config = writeConfig({ name: 'fixture', db_url_secret: 'FIXTURE_DB_URL', engine });
  const out = mkdtempSync(join(tmpdir(), 'out-'));
  const res = await cli(['backup', '--config', config, '--out', out, ...extraArgs], backupEnv(env));
  return { ...res, out };
}

describe('failing backups leave nothing that looks complete', () => {
  for (const engine of ['pg-dump', 'supabase-cli']) {
    it(`${engine}: pg_dump writes partial output then exits non-zero`, async () => {
      const bin = faultyPgBinDir('partial-then-exit');
      const res = await failingBackup(engine, { FIXTURE_DB_URL: source.url('app') }, [
        '--pg-bin-dir',
        bin,
      ]);
      expect(res.code, res.stderr).toBe(1);
      expect(res.stderr).toMatch(
        // Schema and data run at once and both fail: whichever fails first is reported.
        /the (schema|data) dump failed \(exited with code 3\): .*injected failure/,
      );
      expect(tree(res.out)).toEqual([]);
      expect(readdirSync(join(res.out, 'fixture'))).toEqual([]);
      expectNoLeak(res.stderr + res.stdout, source.password);
    });
  }

  it.each([
    [
      'pg_dump exits non-zero with no output',
      'exit-without-output',
      /dump failed \(exited with code 1\): .*before any output/,
    ],
    [
      'pg_dump exits 0 with no output: a failure, never an empty part',
      'silent-success',
      /the (schema|data) dump printed nothing, though it exited 0/,
    ],
  ] as const)('%s', async (_name, fault, message) => {
    const bin = faultyPgBinDir(fault);
    const res = await failingBackup('pg-dump', { FIXTURE_DB_URL: source.url('app') }, [
      '--pg-bin-dir',
      bin,
    ]);
    expect(res.code, res.stderr).toBe(1);
    expect(res.stderr).toMatch(message);
    expect(tree(res.out)).toEqual([]);
  });

  it('a wrong password is a connection error that shows no secret', async () => {
    const url = source.url('app').replace(encodeURIComponent('ü'), 'x');
    const res = await failingBackup('pg-dump', { FIXTURE_DB_URL: url });
    expect(res.code, res.stderr).toBe(1);
    expect(res.stderr).toMatch(
      /cannot connect to postgresql:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\/app: .*password authentication failed/,
    );
    expect(tree(res.out)).toEqual([]);
    expectNoLeak(res.stderr, source.password.replace('ü', 'x'));
  });

  it('the connection is refused', async () => {
    const res = await failingBackup('pg-dump', {
      FIXTURE_DB_URL: 'postgresql://postgres:pw@127.0.0.1:1/app',
    });
    expect(res.code, res.stderr).toBe(1);
    expect(res.stderr).toMatch(/cannot connect to .*127\.0\.0\.1:1.*(refused|could not connect)/i);
  });

  it('a missing secret names the variable and how to pass it', async () => {
    const res = await failingBackup('pg-dump', {});
    expect(res.code, res.stderr).toBe(1);
    expect(res.stderr).toContain('FIXTURE_DB_URL');
    expect(res.stderr).toContain('${{ secrets.FIXTURE_DB_URL }}');
  });

  it('an invalid config dumps nothing', async () => {
    const config = writeConfig({
      name: 'fixture',
      db_url_secret: 'FIXTURE_DB_URL',
      compresion: 'gzip',
    });
    const out = join(mkdtempSync(join(tmpdir(), 'out-')), 'never');
    const res = await cli(
      ['backup', '--config', config, '--out', out],
      backupEnv({ FIXTURE_DB_URL: source.url('app') }),
    );
    expect(res.code, res.stderr).toBe(1);
    expect(res.stderr).toMatch(
      /backups\.config\.yaml:\d+:\d+: projects\[0\]\.compresion: .*did you mean `?"?compression/,
    );
    expect(existsSync(out)).toBe(false);
  });

  it('a server newer than every pg_dump fails before dumping and says what to install', async () => {
    const newer = await startCluster({ binDir: pgMajorBinDir(17) });
    try {
      await newer.psql('create table t (a int)');
      const res = await failingBackup('pg-dump', { FIXTURE_DB_URL: newer.url('postgres') });
      expect(res.code, res.stderr).toBe(1);
      expect(res.stderr).toMatch(/PostgreSQL 17/);
      expect(res.stderr).toMatch(/15/);
      expect(res.stderr).toContain('postgresql-client-17');
      expect(tree(res.out)).toEqual([]);
    } finally {
      await newer.stop();
    }
  });

  it('the action installs the server major’s client when pg_dump is older (install-pg-client)', async () => {
    const newer = await startCluster({ binDir: pgMajorBinDir(17) });
    const path = process.env.PATH;
    try {
      await newer.psql('create table t (a int)');
      const run = async (installPgClient: (major: number) => Promise<void>) => {
        const out = mkdtempSync(join(tmpdir(), 'out-'));
        const text =
          'version: 1\nprojects:\n  - name: fixture\n    db_url_secret: NEWER_URL\n    engine: pg-dump\n    destinations: [local]\n';
        return backup({
          config: parseConfig(text, 'backups.config.yaml'),
          projects: [],
          only: [],
          outDir: out,
          env: backupEnv({ NEWER_URL: newer.url('postgres') }),
          logger: streamLogger(() => undefined),
          installPgClient,
        });
      };
      // An install that brings nothing: the usual error, after one call for the server's major.
      const asked: number[] = [];
      const failed = await run(async (major) => void asked.push(major));
      expect(asked).toEqual([17]);
      expect(failed.failures[0]?.error.message).toContain('postgresql-client-17');
      // An install that brings the 17 client (here: onto PATH): the backup uses it.
      const dumped = await run(async () => {
        process.env.PATH = `${pgMajorBinDir(17)}:${path}`;
      });
      expect(dumped.failures).toEqual([]);
      expect(dumped.sets[0]?.manifest.tools['pg_dump']).toMatch(/^17\./);
    } finally {
      process.env.PATH = path;
      await newer.stop();
    }
  });

  it('SIGTERM during the dump (built CLI): exit 130, nothing left, and the next run succeeds', async () => {
    const bin = faultyPgBinDir('partial-then-hang');
    const config = writeConfig({
      name: 'fixture',
      db_url_secret: 'FIXTURE_DB_URL',
      engine: 'pg-dump',
    });
    const out = mkdtempSync(join(tmpdir(), 'out-'));
    const env = backupEnv({ FIXTURE_DB_URL: source.url('app') });
    let pid = 0;
    const running = builtCli(
      ['backup', '--config', config, '--out', out, '--pg-bin-dir', bin],
      env,
      (p) => (pid = p),
    );
    // Wait until the dump is writing into the staging directory, then stop the tool.
    const deadline = Date.now() + 20_000;
    while (!tree(out).some((f) => f.includes('.partial/')) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    expect(tree(out).some((f) => f.includes('.partial/'))).toBe(true);
    process.kill(pid, 'SIGTERM');
    const res = await running;
    expect(res.code, res.stderr).toBe(130);
    expect(res.stderr).toMatch(/cancelled/);
    expect(tree(out)).toEqual([]);

    const again = await builtCli(['backup', '--config', config, '--out', out], env);
    expect(again.code, again.stderr).toBe(0);
    const sets = readdirSync(join(out, 'fixture'));
    expect(sets).toHaveLength(1);
    expect(
      JSON.parse(readFileSync(join(out, 'fixture', sets[0]!, 'backup.json'), 'utf8')).project,
    ).toBe('fixture');
  });
});
