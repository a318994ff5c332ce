/**
 * Encrypted sets: what the tool writes is age ciphertext that the real `age` CLI decrypts, the
 * documented restore works on it by hand, and `restore` refuses a wrong identity before the
 * target is touched.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseBackupJson } from '../../src/catalog/backup-json.js';
import { backup } from '../../src/backup/make-sets.js';
import { parseConfig } from '../../src/config/load.js';
import { streamLogger } from '../../src/log.js';
import { backupEnv, cli, writeConfig } from '../support/cli.js';
import { createSupabaseDb } from '../support/fixture.js';
import { startCluster, type Cluster } from '../support/pg-cluster.js';
import { diffSnapshots, snapshot } from '../support/snapshot.js';

const exec = promisify(execFile);
let source: Cluster;
let target: Cluster;
let keyFile: string;
let otherKeyFile: string;
let recipient: string;

beforeAll(async () => {
  [source, target] = await Promise.all([startCluster(), startCluster()]);
  await Promise.all([
    createSupabaseDb(source, 'app', { withUserContent: true }),
    createSupabaseDb(target, 'app'),
  ]);
  const dir = mkdtempSync(join(tmpdir(), 'keys-'));
  keyFile = join(dir, 'backup-key.txt');
  otherKeyFile = join(dir, 'other-key.txt');
  await exec('age-keygen', ['-o', keyFile]);
  await exec('age-keygen', ['-o', otherKeyFile]);
  recipient = (await exec('age-keygen', ['-y', keyFile])).stdout.trim();
});
afterAll(async () => {
  await Promise.all([source?.stop(), target?.stop()]);
});

async function encryptedSet(): Promise<string> {
  const config = writeConfig({
    name: 'enc',
    db_url_secret: 'ENC_DB_URL',
    engine: 'pg-dump',
    encryption: { recipients: [recipient] },
  });
  const out = mkdtempSync(join(tmpdir(), 'out-'));
  const res = await cli(
    ['backup', '--config', config, '--out', out],
    backupEnv({ ENC_DB_URL: source.url('app') }),
  );
  expect(res.code, res.stderr).toBe(0);
  return join(out, 'enc', readdirSync(join(out, 'enc'))[0]!);
}

describe('encrypted backup sets', () => {
  it('are age files the real age CLI decrypts, restorable by hand with the documented command', async () => {
    const dir = await encryptedSet();
    const manifest = parseBackupJson(readFileSync(join(dir, 'backup.json'), 'utf8'));
    for (const p of manifest.parts) {
      expect(p.file).toMatch(/\.sql(\.zst|\.gz)?\.age$/);
      expect(p.encryption).toEqual({ format: 'age', recipients: [recipient] });
      expect(readFileSync(join(dir, p.file)).subarray(0, 22).toString()).toBe(
        'age-encryption.org/v1\n',
      );
    }
    await exec('sha256sum', ['-c', 'SHA256SUMS'], { cwd: dir });

    const plain = mkdtempSync(join(tmpdir(), 'plain-'));
    for (const p of manifest.parts) {
      const decompress = { zstd: 'zstd -dq', gzip: 'gzip -dc', none: 'cat' }[p.compression];
      await exec('sh', [
        '-c',
        `age -d -i "$0" "$1" | ${decompress} > "$2"`,
        keyFile,
        join(dir, p.file),
        join(plain, `${p.part}.sql`),
      ]);
    }
    // Roles are cluster-wide: the by-hand restore gets a new project of its own.
    const hand = await startCluster();
    await createSupabaseDb(hand, 'app');
    await exec(
      'psql',
      [
        '-X',
        '-q',
        '--single-transaction',
        '-v',
        'ON_ERROR_STOP=1',
        '-f',
        join(plain, 'roles.sql'),
        '-f',
        join(plain, 'schema.sql'),
        '-c',
        'SET session_replication_role = replica',
        '-f',
        join(plain, 'data.sql'),
      ],
      {
        env: {
          ...process.env,
          PGHOST: hand.host,
          PGPORT: String(hand.port),
          PGUSER: 'postgres',
          PGPASSWORD: hand.password,
          PGDATABASE: 'app',
        },
      },
    );
    expect(diffSnapshots(await snapshot(source, 'app'), await snapshot(hand, 'app'))).toEqual([]);
    await hand.stop();
  });

  it('restore refuses a wrong or missing identity before touching the target, and works with the right one', async () => {
    const dir = await encryptedSet();
    const env = { ...process.env, T: target.url('app') };
    const none = await cli(['restore', '--from', dir, '--target-url-env', 'T', '--yes'], env);
    expect(none.code, none.stderr).toBe(1);
    expect(none.stderr).toMatch(/encrypted with age .*--identity-file/);
    const wrong = await cli(
      ['restore', '--from', dir, '--target-url-env', 'T', '--yes', '--identity-file', otherKeyFile],
      env,
    );
    expect(wrong.code, wrong.stderr).toBe(1);
    expect(wrong.stderr).toMatch(/no identity matches/);
    expect(
      await target.psql("select count(*) from pg_tables where schemaname = 'app'", 'app'),
    ).toBe('0');
    const key = readFileSync(otherKeyFile, 'utf8').match(/AGE-SECRET-KEY-\S+/)![0];
    expect(wrong.stderr).not.toContain(key);

    const right = await cli(
      ['restore', '--from', dir, '--target-url-env', 'T', '--yes', '--identity-file', keyFile],
      env,
    );
    expect(right.code, right.stderr).toBe(0);
    expect(diffSnapshots(await snapshot(source, 'app'), await snapshot(target, 'app'))).toEqual([]);
  });

  it('fails closed: a missing recipients secret, and a public repository without encryption', async () => {
    const config = writeConfig({
      name: 'enc',
      db_url_secret: 'ENC_DB_URL',
      encryption: { recipients_secret: 'AGE_RECIPIENTS' },
    });
    const out = mkdtempSync(join(tmpdir(), 'out-'));
    const res = await cli(
      ['backup', '--config', config, '--out', out],
      backupEnv({ ENC_DB_URL: source.url('app') }),
    );
    expect(res.code, res.stderr).toBe(1);
    expect(res.stderr).toContain('AGE_RECIPIENTS');
    expect(res.stderr).toContain('${{ secrets.AGE_RECIPIENTS }}');
    expect(readdirSync(out)).toEqual([]);

    const text =
      'version: 1\nprojects:\n  - name: open\n    db_url_secret: ENC_DB_URL\n    destinations: [artifact]\n';
    const lines: string[] = [];
    const outcome = await backup({
      config: parseConfig(text, 'backups.config.yaml'),
      projects: [],
      only: [],
      outDir: out,
      env: backupEnv({ ENC_DB_URL: source.url('app') }),
      logger: streamLogger((l) => lines.push(l)),
      repositoryPublic: true,
    });
    expect(outcome.sets).toEqual([]);
    expect(outcome.failures[0]?.error.message).toMatch(/repository is public .* unencrypted/);
    expect(readdirSync(out)).toEqual([]);
  });
});
