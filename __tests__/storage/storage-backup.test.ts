/**
 * The storage part against a real S3 server (s3rver): a first backup of thousands of small
 * objects and two large ones, an incremental second run that downloads only what changed, an
 * interrupted run that resumes without downloading again what it had stored, and a restore into
 * an empty server that matches the original object for object.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/run.js';
import { cli } from '../support/cli.js';
import { startS3Server, type S3Server } from '../support/s3-server.js';
import {
  UNICODE_KEY,
  manifestOf,
  noise,
  put,
  seedBuckets,
  snapshotBuckets,
  storageConfig,
} from './fixture.js';

const SMALL = 2000;
const LARGE = [30_000_000, 30_000_000];
const MAX_FILE = '16000000'; // the large objects are stored as chunks, as on a branch

let s3: S3Server;
let setup: Awaited<ReturnType<typeof storageConfig>>;
const sets: string[] = [];

async function backup(): Promise<string> {
  const out = join(setup.dir, 'out');
  const args = ['backup', '--config', setup.config, '--out', out, '--max-file-size', MAX_FILE];
  const r = await cli(args, setup.env);
  expect(r.stderr).not.toContain('error');
  expect(r.code, r.stderr).toBe(0);
  const dir = r.stdout.trim();
  sets.push(dir);
  return dir;
}

beforeAll(async () => {
  s3 = await startS3Server();
  await seedBuckets(s3, SMALL, LARGE);
  setup = await storageConfig(s3.endpoint);
}, 120_000);
afterAll(() => s3?.close());

describe('storage part', () => {
  it('backs up every object once, stores each content once, large ones in chunks', async () => {
    s3.gets.length = 0;
    const dir = await backup();
    const m = await manifestOf(dir);
    const part = m.parts.find((p) => p.part === 'storage')!;
    expect(part.storage).toMatchObject({
      objects: SMALL + LARGE.length + 1,
      downloaded: SMALL + LARGE.length + 1,
      reused: 0,
    });
    expect(part.storage!.buckets.map((b) => [b.bucket, b.objects])).toEqual([
      ['avatars', SMALL],
      ['docs', LARGE.length + 1],
    ]);
    expect(s3.gets).toHaveLength(SMALL + LARGE.length + 1);
    expect(await readdir(dir)).toEqual(
      ['SHA256SUMS', 'backup.json', 'storage.index.json.gz', 'storage.objects'].sort(),
    );
    // 100 avatars share content with others: stored once. Large objects: 2 chunks each.
    const area = join(dir, '..', 'objects');
    const files = (await Promise.all((await readdir(area)).map((d) => readdir(join(area, d)))))
      .flat()
      .filter((f) => !f.startsWith('.') && f !== 'journal');
    expect(files.filter((f) => !f.includes('.'))).toHaveLength(SMALL - 100 + 1);
    expect(files.filter((f) => /\.\d{3}$/.test(f))).toHaveLength(4);
    console.log(`first run: ${JSON.stringify(part.storage)}`);
    expect((await cli(['verify', '--from', dir], setup.env)).code).toBe(0);
  });

  it('downloads only the objects that changed since the last set; deleted ones leave the index', async () => {
    await put(s3.client, 'avatars', 'users/7/avatar-7.png', 'a new face', 'image/png');
    await s3.client.send(
      new DeleteObjectCommand({ Bucket: 'avatars', Key: 'users/8/avatar-8.png' }),
    );
    await put(s3.client, 'docs', 'new/report.pdf', 'a new report', 'application/pdf');
    s3.gets.length = 0;
    const dir = await backup();
    const part = (await manifestOf(dir)).parts.find((p) => p.part === 'storage')!;
    expect(s3.gets.sort()).toEqual(['avatars/users/7/avatar-7.png', 'docs/new/report.pdf']);
    expect(part.storage).toMatchObject({
      objects: SMALL + LARGE.length + 1,
      downloaded: 2,
      reused: SMALL + LARGE.length - 1,
    });
    console.log(`second run: ${JSON.stringify(part.storage)}`);
    // The deleted object is gone from the new set and still in the first one.
    const lines = (d: string) => readFile(join(d, 'storage.objects'), 'utf8');
    expect((await lines(sets[0]!)).split('\n')).toHaveLength(SMALL + LARGE.length + 2);
    const index = await cli(['verify', '--from', dir], setup.env);
    expect(index.code, index.stderr).toBe(0);
  });

  it('an interrupted run resumes without downloading again what it had stored', async () => {
    for (let i = 0; i < 300; i++)
      await s3.seed('avatars', `batch/${i}.png`, noise(20_000, `batch ${i}`), 'image/png');
    s3.gets.length = 0;
    const abort = new AbortController();
    const watch = setInterval(() => s3.gets.length >= 100 && abort.abort(), 5);
    const out = join(setup.dir, 'out');
    const code = await runCli(['backup', '--config', setup.config, '--out', out], {
      stdout: () => undefined,
      stderr: () => undefined,
      env: setup.env,
      signal: abort.signal,
    }).finally(() => clearInterval(watch));
    expect(code).not.toBe(0);
    expect(abort.signal.aborted).toBe(true);
    const journal = await readFile(join(out, 'app', 'objects', 'journal'), 'utf8');
    const stored = journal.trim().split('\n').length;
    expect(stored).toBeGreaterThan(50);
    expect(stored).toBeLessThan(300);
    const firstGets = [...s3.gets];

    s3.gets.length = 0;
    const dir = await backup();
    const part = (await manifestOf(dir)).parts.find((p) => p.part === 'storage')!;
    expect(part.storage!.downloaded).toBe(300 - stored);
    expect(s3.gets).toHaveLength(300 - stored);
    // Only objects the interrupted run had not finished are downloaded again.
    expect(firstGets.length + s3.gets.length - 300).toBeLessThanOrEqual(8 + 1);
    await expect(readFile(join(out, 'app', 'objects', 'journal'), 'utf8')).rejects.toThrow();
    console.log(
      `resumed run: stored before the interruption ${stored}, ${JSON.stringify(part.storage)}`,
    );
  });

  it('restores into an empty server: same keys, bytes, content types and Cache-Control', async () => {
    const target = await startS3Server();
    try {
      const dir = sets.at(-1)!;
      const args = [
        'restore',
        '--from',
        dir,
        '--parts',
        'storage',
        '--s3-endpoint',
        target.endpoint,
        '--s3-key-id-env',
        'STORAGE_KEY_ID',
        '--s3-secret-env',
        'STORAGE_SECRET',
        '--yes',
      ];
      const r = await cli(args, setup.env);
      expect(r.stderr).toContain('created bucket avatars');
      expect(r.code, r.stderr).toBe(0);
      const buckets = ['avatars', 'docs'];
      const [original, restored] = await Promise.all([
        snapshotBuckets(s3, buckets),
        snapshotBuckets(target, buckets),
      ]);
      expect(restored).toHaveLength(SMALL + LARGE.length + 1 + 300);
      expect(restored).toEqual(original);
      expect(restored.some((l) => l.startsWith(`docs/${UNICODE_KEY} `))).toBe(true);
      console.log(
        `restore: ${restored.length} objects match the original (key, size, sha256, type, Cache-Control)`,
      );
    } finally {
      await target.close();
    }
  });
});
