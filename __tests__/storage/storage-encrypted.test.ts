/**
 * The storage part with age encryption (objects stored as ciphertext under their plaintext
 * sha256), verify finding a damaged or missing object, a restore that skips what is already
 * there, and the config rules of the part.
 */
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateIdentity, identityToRecipient } from 'age-encryption';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { renderSummary } from '../../src/report/summary.js';
import { cli } from '../support/cli.js';
import { startS3Server, type S3Server } from '../support/s3-server.js';
import {
  UNICODE_KEY,
  manifestOf,
  put,
  seedBuckets,
  snapshotBuckets,
  storageConfig,
} from './fixture.js';

let s3: S3Server;
let setup: Awaited<ReturnType<typeof storageConfig>>;
let identity: string;

beforeAll(async () => {
  s3 = await startS3Server();
  await seedBuckets(s3, 40, [3_000_000]);
  identity = await generateIdentity();
  const recipient = await identityToRecipient(identity);
  setup = await storageConfig(s3.endpoint, `    encryption:\n      recipients: [${recipient}]\n`);
  setup.env.AGE_IDENTITY = identity;
}, 60_000);
afterAll(() => s3?.close());

const out = () => join(setup.dir, 'out');
const backupArgs = () => ['backup', '--config', setup.config, '--out', out()];

describe('encrypted storage part', () => {
  let setDir = '';

  it('stores objects as age ciphertext named by their plaintext sha256; the index is encrypted', async () => {
    const r = await cli(backupArgs(), setup.env);
    expect(r.code, r.stderr).toBe(0);
    setDir = r.stdout.trim();
    expect((await readdir(setDir)).sort()).toEqual([
      'SHA256SUMS',
      'backup.json',
      'storage.index.json.gz.age',
      'storage.objects',
    ]);
    const area = join(out(), 'app', 'objects');
    const names = (
      await Promise.all((await readdir(area)).map((d) => readdir(join(area, d))))
    ).flat();
    expect(names.length).toBeGreaterThan(0);
    expect(names.every((n) => /^[0-9a-f]{64}\.age$/.test(n) || n === 'journal')).toBe(true);
    // The S3 keys (both "S3RVER" here) reach no log line and no stored file.
    expect(r.stderr).not.toContain('S3RVER');
    for (const f of await readdir(setDir))
      expect(await readFile(join(setDir, f), 'latin1')).not.toContain('S3RVER');
    const index = await readFile(join(setDir, 'storage.index.json.gz.age'));
    expect(index.toString('latin1')).not.toContain('avatars');
    expect(await readFile(join(setDir, 'storage.objects'), 'utf8')).not.toContain('avatar');

    // The next run (public keys only) still tells unchanged objects from the plain object list.
    await put(s3.client, 'avatars', 'users/1/avatar-1.png', 'changed', 'image/png');
    s3.gets.length = 0;
    const again = await cli(backupArgs(), setup.env);
    expect(again.code, again.stderr).toBe(0);
    expect(s3.gets).toEqual(['avatars/users/1/avatar-1.png']);
    setDir = again.stdout.trim();
    const part = (await manifestOf(setDir)).parts.find((p) => p.part === 'storage')!;
    expect(part.storage).toMatchObject({ objects: 42, downloaded: 1, reused: 41 });
    const summary = renderSummary({
      sets: [{ manifest: await manifestOf(setDir), stored: [] }],
      failures: [],
    });
    expect(summary).toContain(
      '| app | avatars | 40 | 349 B | downloaded 1 (7 B), unchanged 41 (2.9 MiB) |',
    );
  });

  it('rides out throttling: 503 SlowDown answers are retried with backoff', async () => {
    await put(s3.client, 'avatars', 'users/2/avatar-2.png', 'changed again', 'image/png');
    s3.throttle(3);
    s3.gets.length = 0;
    const r = await cli(backupArgs(), setup.env);
    expect(r.code, r.stderr).toBe(0);
    expect(s3.throttled).toBe(3);
    expect(s3.gets).toEqual(['avatars/users/2/avatar-2.png']);
    setDir = r.stdout.trim();
  });

  it('restores with the identity; a second restore skips every object', async () => {
    const target = await startS3Server();
    try {
      const args = [
        'restore',
        '--from',
        setDir,
        '--parts',
        'storage',
        '--config',
        setup.config,
        '--s3-endpoint',
        target.endpoint,
        '--identity-env',
        'AGE_IDENTITY',
        '--yes',
      ];
      const sqlOnly = ['restore', '--from', setDir, '--target-url', 'postgresql://u@localhost/db'];
      const refused = await cli([...sqlOnly, '--dry-run'], setup.env);
      expect(refused.stderr).toContain(
        'this set holds only Storage objects: restore them with --parts storage',
      );
      const mixed = await cli([...sqlOnly, '--parts', 'data,storage', '--yes'], setup.env);
      expect(mixed.stderr).toContain(
        '--parts storage restores Storage objects in a run of its own',
      );

      const noKey = await cli(
        args.filter((a) => a !== '--identity-env' && a !== 'AGE_IDENTITY'),
        setup.env,
      );
      expect(noKey.code).not.toBe(0);
      expect(noKey.stderr).toContain('--identity-file');
      expect(target.puts).toEqual([]);

      const r = await cli(args, setup.env);
      expect(r.code, r.stderr).toBe(0);
      const buckets = ['avatars', 'docs'];
      expect(await snapshotBuckets(target, buckets)).toEqual(await snapshotBuckets(s3, buckets));
      expect(target.puts).toContain(`docs/${UNICODE_KEY}`);
      expect(r.stderr).not.toContain(identity);

      target.puts.length = 0;
      const again = await cli(args, setup.env);
      expect(again.code, again.stderr).toBe(0);
      expect(target.puts).toEqual([]);
      expect(again.stderr).toContain('avatars: uploaded 0 (0 B), skipped 40 already there');
    } finally {
      await target.close();
    }
  });

  it('verify reports a missing or foreign object in the object area', async () => {
    expect((await cli(['verify', '--from', setDir], setup.env)).code).toBe(0);
    const lines = (await readFile(join(setDir, 'storage.objects'), 'utf8')).trim().split('\n');
    const sha = lines[0]!.split(' ')[0]!;
    const path = join(out(), 'app', 'objects', sha.slice(0, 2), `${sha}.age`);
    await writeFile(path, 'not ciphertext');
    const damaged = await cli(['verify', '--from', setDir], setup.env);
    expect(damaged.code).not.toBe(0);
    expect(damaged.stderr).toContain('not age ciphertext');
    await rm(path);
    const missing = await cli(['verify', '--from', setDir], setup.env);
    expect(missing.stderr).toContain('missing from the object area');
  });
});

describe('storage config', () => {
  const base = (extra: string) => `version: 1
projects:
  - name: app
    db_url_secret: APP_DB_URL
${extra}`;

  it('the storage part needs a storage: mapping; the default parts leave storage out', () => {
    expect(() => parseConfig(base('    parts: [storage]\n'), 'c.yaml')).toThrow(
      /c\.yaml:5:\d+: .*the storage part needs a storage: mapping/,
    );
    const storage = `    storage:
      s3_endpoint: https://abcdefghijklmnopqrst.supabase.co/storage/v1/s3
      access_key_id_secret: KEY_ID
      secret_access_key_secret: KEY_SECRET
`;
    const config = parseConfig(base(storage), 'c.yaml');
    expect(config.projects[0]!.parts).toEqual(['roles', 'schema', 'data']);
    expect(config.projects[0]!.storage).toEqual({
      buckets: 'all',
      s3_endpoint: 'https://abcdefghijklmnopqrst.supabase.co/storage/v1/s3',
      region: 'us-east-1',
      access_key_id_secret: 'KEY_ID',
      secret_access_key_secret: 'KEY_SECRET',
    });
  });

  it('refuses a key written where its variable name belongs, without quoting it', () => {
    const key = 'ab12'.repeat(16);
    const text = base(`    storage:
      s3_endpoint: https://example.com/storage/v1/s3
      access_key_id_secret: KEY_ID
      secret_access_key_secret: ${key}
`);
    let message = '';
    try {
      parseConfig(text, 'c.yaml');
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain('secret_access_key_secret must NAME an environment variable');
    expect(message).not.toContain(key);
  });
});
