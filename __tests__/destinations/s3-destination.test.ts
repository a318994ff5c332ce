/**
 * What the s3 destination promises beyond the conformance suite: the catalog under concurrent
 * runs, Content-MD5 on every upload, retries on SlowDown, no unfinished upload after a cancel,
 * clear errors without secrets, object lock and write_only. Real s3rver and @aws-sdk/client-s3;
 * tests marked EMULATION rely on __tests__/support/s3-emulation.ts (AWS behaviour s3rver lacks).
 */
import { rmSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import {
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseManifest } from '../../src/catalog/manifest.js';
import { lastGoodSets } from '../../src/commands/plan.js';
import { prune } from '../../src/destinations/prune.js';
import { parseConfig } from '../../src/config/load.js';
import type { S3Config } from '../../src/config/types.js';
import { S3Destination } from '../../src/destinations/s3/destination.js';
import { startS3Server, S3_KEY_ID, S3_SECRET, type S3Server } from '../support/s3-server.js';
import { captureLogger, makeSet, tempRoot } from './sets.js';

let s3: S3Server;
const roots: string[] = [];
const root = (p: string) => {
  const r = tempRoot(p);
  roots.push(r);
  return r;
};
beforeAll(async () => {
  s3 = await startS3Server();
});
afterAll(async () => {
  await s3.close();
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

let buckets = 0;
async function newBucket(): Promise<string> {
  const bucket = `s3-dest-${++buckets}`;
  await s3.client.send(new CreateBucketCommand({ Bucket: bucket }));
  return bucket;
}

function dest(
  bucket: string,
  extra: Partial<S3Config> = {},
  env: Record<string, string> = { S3_KEY: S3_KEY_ID, S3_SECRET: S3_SECRET },
  signal?: AbortSignal,
  now?: () => Date,
  progressIntervalMs?: number,
) {
  const logger = captureLogger();
  const config = {
    bucket,
    prefix: 'supabase-backups',
    endpoint: s3.endpoint,
    region: 'us-east-1',
    force_path_style: true,
    access_key_id_secret: 'S3_KEY',
    secret_access_key_secret: 'S3_SECRET',
    write_only: false,
    ...extra,
  };
  const d = new S3Destination(
    config,
    { env, workDir: root('work-'), logger, signal, ...(now && { now }) },
    {
      partBytes: 5 * 1024 * 1024,
      ...(progressIntervalMs && { progressIntervalMs }),
    },
  );
  return { d, logger };
}

async function keys(bucket: string, prefix = ''): Promise<string[]> {
  const out = await s3.client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  return (out.Contents ?? []).map((o) => o.Key!).sort();
}

async function catalog(bucket: string, key = 'supabase-backups/manifest.json') {
  const out = await s3.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return parseManifest(await out.Body!.transformToString());
}

describe('s3 destination', () => {
  it('lays sets out as <prefix>/<project>/<set-id>/ and catalogs them in <prefix>/manifest.json', async () => {
    const bucket = await newBucket();
    const set = await makeSet(root('src-'), 'app', '2026-04-01T03:00:00Z');
    const { d } = dest(bucket);
    const [r] = await d.store([set]);
    expect(r).toMatchObject({
      ok: true,
      record: {
        bucket,
        key: `supabase-backups/app/${set.setId}`,
        url: `s3://${bucket}/supabase-backups/app/${set.setId}`,
      },
    });
    expect(await keys(bucket)).toEqual([
      'supabase-backups/app/' + set.setId + '/SHA256SUMS',
      'supabase-backups/app/' + set.setId + '/backup.json',
      'supabase-backups/app/' + set.setId + '/roles.sql.gz',
      'supabase-backups/manifest.json',
    ]);
    const m = await catalog(bucket);
    expect(m.sets.map((e) => e.path)).toEqual([`app/${set.setId}`]);
    expect(m.sets[0]!.bytes).toBe(set.manifest.parts[0]!.bytes);
  });

  it('uploads backup.json last, and every object and part with a Content-MD5 the server checked (EMULATION checks it)', async () => {
    const bucket = await newBucket();
    const set = await makeSet(root('src-'), 'app', '2026-04-01T03:00:00Z', {
      dataBytes: 11 * 1024 * 1024,
    });
    const before = s3.puts.length;
    const partsBefore = s3.emulation.parts.length;
    s3.emulation.withoutMd5.length = 0;
    const { d } = dest(bucket);
    expect((await d.store([set]))[0]!.ok).toBe(true);
    const puts = s3.puts
      .slice(before)
      .filter((p) => p.startsWith(`${bucket}/`) && !p.endsWith('manifest.json'));
    expect(puts.at(-1)).toBe(`${bucket}/supabase-backups/app/${set.setId}/backup.json`);
    // data.sql went up in three parts (5 + 5 + 1 MiB), each a PUT carrying its own MD5.
    const parts = s3.emulation.parts.slice(partsBefore);
    expect(parts).toEqual(Array(3).fill(`${bucket}/supabase-backups/app/${set.setId}/data.sql`));
    expect(puts.filter((p) => p.endsWith('/data.sql'))).toEqual([]);
    expect(s3.emulation.withoutMd5).toEqual([]);
  });

  it('retries uploads the server throttles with 503 SlowDown (EMULATION throttles PUTs)', async () => {
    const bucket = await newBucket();
    const set = await makeSet(root('src-'), 'app', '2026-04-01T03:00:00Z');
    s3.emulation.throttlePuts = 3;
    const before = s3.emulation.throttledPuts;
    const { d } = dest(bucket);
    expect((await d.store([set]))[0]!.ok).toBe(true);
    expect(s3.emulation.throttledPuts - before).toBe(3);
    expect((await d.list('app')).map((s) => s.status)).toEqual(['ok']);
  }, 60_000);

  it('keeps every entry when runs of two projects write the catalog at once (conditional writes: EMULATION)', async () => {
    const bucket = await newBucket();
    const src = root('src-');
    const rounds = 4;
    const sets = await Promise.all(
      Array.from({ length: rounds }, (_, i) =>
        Promise.all([
          makeSet(src, 'alpha', `2026-04-0${i + 1}T03:00:00Z`),
          makeSet(src, 'beta', `2026-04-0${i + 1}T03:00:00Z`),
        ]),
      ),
    );
    const refusedBefore = s3.emulation.preconditionFailed;
    for (const [a, b] of sets) {
      const results = await Promise.all([dest(bucket).d.store([a]), dest(bucket).d.store([b])]);
      expect(results.flat().map((r) => r.ok)).toEqual([true, true]);
    }
    const m = await catalog(bucket);
    expect(m.sets.map((e) => e.path).sort()).toEqual(
      sets
        .flat()
        .map((s) => `${s.project}/${s.setId}`)
        .sort(),
    );
    // The race did happen, and the loser wrote again on the new version.
    expect(s3.emulation.preconditionFailed).toBeGreaterThan(refusedBefore);
  }, 60_000);

  it('repairs a catalog that lost an entry (a server ignoring conditions) on the next write', async () => {
    const bucket = await newBucket();
    const src = root('src-');
    const a = await makeSet(src, 'alpha', '2026-04-01T03:00:00Z');
    const b = await makeSet(src, 'beta', '2026-04-01T03:00:00Z');
    await dest(bucket).d.store([a, b]);
    const m = await catalog(bucket);
    const lost = { ...m, sets: m.sets.filter((e) => e.project === 'alpha') };
    await s3.client.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: 'supabase-backups/manifest.json',
        Body: JSON.stringify(lost),
      }),
    );
    const c = await makeSet(src, 'alpha', '2026-04-02T03:00:00Z');
    await dest(bucket).d.store([c]);
    expect((await catalog(bucket)).sets.map((e) => e.path)).toEqual([
      `alpha/${a.setId}`,
      `alpha/${c.setId}`,
      `beta/${b.setId}`,
    ]);
  });

  it('a cancel mid-upload leaves nothing of the set and no unfinished multipart upload (ListMultipartUploads: EMULATION)', async () => {
    const bucket = await newBucket();
    const set = await makeSet(root('src-'), 'app', '2026-04-01T03:00:00Z', {
      dataBytes: 30 * 1024 * 1024,
    });
    const controller = new AbortController();
    const { d } = dest(bucket, {}, undefined, controller.signal);
    const started = s3.emulation.parts.length;
    const watch = setInterval(() => {
      if (s3.emulation.parts.length > started) controller.abort();
    }, 1);
    try {
      await expect(d.store([set])).rejects.toThrow();
    } finally {
      clearInterval(watch);
    }
    expect(controller.signal.aborted).toBe(true);
    // Nothing of the set is left: not its backup.json, nor the files uploaded before the cancel.
    expect((await keys(bucket)).filter((k) => k.includes(set.setId))).toEqual([]);
    const uploads = await s3.client.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
    expect(uploads.Uploads ?? []).toEqual([]);
  }, 60_000);

  it('logs the bytes uploaded of the total while a large set is stored', async () => {
    const bucket = await newBucket();
    const set = await makeSet(root('src-'), 'app', '2026-04-01T03:00:00Z', {
      dataBytes: 30 * 1024 * 1024,
    });
    // Each part waits a little at the server, so the run lasts several progress ticks.
    s3.emulation.beforePart = () => new Promise((r) => setTimeout(r, 150));
    const { d, logger } = dest(bucket, {}, undefined, undefined, undefined, 100);
    try {
      expect((await d.store([set]))[0]!.ok).toBe(true);
    } finally {
      s3.emulation.beforePart = undefined;
    }
    const ticks = logger.lines
      .map((l) => /^app\/\S+: ([\d.]+) (\w+) of ([\d.]+) MiB uploaded \([^)]+\/s\)$/.exec(l))
      .filter((m) => m !== null);
    expect(ticks.length, logger.lines.join('\n')).toBeGreaterThan(1);
    expect(Number(ticks[0]![3])).toBeCloseTo(30, 0);
    const mib = (m: RegExpExecArray) =>
      Number(m[1]) / (m[2] === 'KiB' ? 1024 : m[2] === 'B' ? 1048576 : 1);
    // Never more than the total, never backwards.
    for (const [i, m] of ticks.entries()) {
      expect(mib(m)).toBeLessThanOrEqual(Number(m[3]));
      if (i > 0) expect(mib(m)).toBeGreaterThanOrEqual(mib(ticks[i - 1]!));
    }

    // Opening it (a restore from s3://) says how far the download is, too. Two GETs answered
    // SlowDown make it last a few backoffs.
    const reader = dest(bucket, {}, undefined, undefined, undefined, 20);
    s3.throttle(2);
    const opened = await reader.d.open('app', set.setId);
    await opened.cleanup();
    const down = reader.logger.lines.filter((l) =>
      /^s3:\/\/\S+: [\d.]+ \w+ of 30\.0 MiB downloaded \([^)]+\/s\)$/.test(l),
    );
    expect(down.length, reader.logger.lines.join('\n')).toBeGreaterThan(0);
  }, 60_000);

  it('a store that fails mid-set removes the files it had uploaded and says why it failed', async () => {
    const bucket = await newBucket();
    const set = await makeSet(root('src-'), 'app', '2026-04-01T03:00:00Z', {
      dataBytes: 30 * 1024 * 1024,
    });
    const data = join(set.dir, 'data.sql');
    // The file shrinks under the upload once its first part has reached the server.
    s3.emulation.beforePart = async () => {
      s3.emulation.beforePart = undefined;
      truncateSync(data, 1024);
    };
    const { d, logger } = dest(bucket);
    let results;
    try {
      results = await d.store([set]);
    } finally {
      s3.emulation.beforePart = undefined;
    }
    expect(results[0]!.ok).toBe(false);
    expect((results[0] as { error: Error }).error.message).toMatch(
      /data\.sql became shorter while it was uploaded/,
    );
    expect(s3.puts.some((p) => p.includes(`${set.setId}/roles.sql.gz`))).toBe(true);
    expect((await keys(bucket)).filter((k) => k.includes(set.setId))).toEqual([]);
    const uploads = await s3.client.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
    expect(uploads.Uploads ?? []).toEqual([]);
    expect(logger.lines.join('\n')).not.toMatch(/unfinished set/);
  }, 60_000);

  it('write_only keys delete nothing of a failed set, and say so', async () => {
    const bucket = await newBucket();
    const set = await makeSet(root('src-'), 'app', '2026-04-01T03:00:00Z', {
      dataBytes: 30 * 1024 * 1024,
    });
    s3.emulation.beforePart = async () => {
      s3.emulation.beforePart = undefined;
      truncateSync(join(set.dir, 'data.sql'), 1024);
    };
    const { d, logger } = dest(bucket, { write_only: true });
    try {
      expect((await d.store([set]))[0]!.ok).toBe(false);
    } finally {
      s3.emulation.beforePart = undefined;
    }
    const left = (await keys(bucket)).filter((k) => k.includes(set.setId));
    expect(left).toContain(`supabase-backups/app/${set.setId}/roles.sql.gz`);
    expect(left.filter((k) => k.endsWith('backup.json'))).toEqual([]);
    expect(logger.lines.join('\n')).toMatch(
      /write_only: the unfinished set's files in s3:\/\/[^ ]+\/supabase-backups\/app\/[^ ]+\/ are not deleted/,
    );
  }, 60_000);

  it("removes a killed run's debris older than a day (set files without backup.json, an unfinished upload) and keeps younger debris and every set", async () => {
    const bucket = await newBucket();
    const src = root('src-');
    const kept = await makeSet(src, 'app', '2026-04-01T03:00:00Z');
    await dest(bucket).d.store([kept]);
    // What a SIGKILLed run leaves: files of a set without its backup.json, an open upload.
    const base = 'supabase-backups/app';
    await s3.seed(
      bucket,
      `${base}/2026-04-02T030000Z/roles.sql.gz`,
      Buffer.from('x'),
      'text/plain',
    );
    await s3.seed(bucket, `${base}/2026-04-02T030000Z/SHA256SUMS`, Buffer.from('y'), 'text/plain');
    await s3.seed(bucket, `${base}/objects/ab/abcdef`, Buffer.from('z'), 'text/plain');
    await s3.client.send(
      new CreateMultipartUploadCommand({
        Bucket: bucket,
        Key: `${base}/2026-04-02T030000Z/data.sql`,
      }),
    );
    const next = await makeSet(src, 'app', '2026-04-03T03:00:00Z');

    // Within the day they may be another run's, still going: untouched.
    const soon = dest(bucket, {}, undefined, undefined, () => new Date(Date.now() + 3_600_000));
    expect((await soon.d.store([next]))[0]!.ok).toBe(true);
    expect(await keys(bucket, `${base}/2026-04-02T030000Z/`)).toHaveLength(2);
    expect(
      (await s3.client.send(new ListMultipartUploadsCommand({ Bucket: bucket }))).Uploads,
    ).toHaveLength(1);

    const later = dest(
      bucket,
      {},
      undefined,
      undefined,
      () => new Date(Date.now() + 2 * 86_400_000),
    );
    const third = await makeSet(src, 'app', '2026-04-04T03:00:00Z');
    expect((await later.d.store([third]))[0]!.ok).toBe(true);
    expect(await keys(bucket, `${base}/2026-04-02T030000Z/`)).toEqual([]);
    expect(
      (await s3.client.send(new ListMultipartUploadsCommand({ Bucket: bucket }))).Uploads ?? [],
    ).toEqual([]);
    expect(later.logger.lines.join('\n')).toMatch(
      /app: removed the files of 1 unfinished set\(s\) of earlier runs \(no backup\.json\): app\/2026-04-02T030000Z/,
    );
    expect(later.logger.lines.join('\n')).toMatch(/aborted 1 unfinished upload\(s\)/);
    // Complete sets and the storage objects area are not debris.
    for (const s of [kept, next, third])
      expect(await keys(bucket, `${base}/${s.setId}/backup.json`)).toHaveLength(1);
    expect(await keys(bucket, `${base}/objects/`)).toEqual([`${base}/objects/ab/abcdef`]);
  });

  it('says which variables hold refused keys, never the keys', async () => {
    const bucket = await newBucket();
    const set = await makeSet(root('src-'), 'app', '2026-04-01T03:00:00Z');
    const secret = 'wrongSecretValue0123456789abcdefWRONG';
    const { d } = dest(bucket, {}, { S3_KEY: 'AKIAWRONGWRONGWRONG', S3_SECRET: secret });
    const [r] = await d.store([set]);
    expect(r!.ok).toBe(false);
    const message = (r as { error: Error }).error.message;
    expect(message).toMatch(/S3_KEY and S3_SECRET/);
    expect(message).not.toContain(secret);
    expect(message).not.toContain('AKIAWRONGWRONGWRONG');
  });

  it('names an unset variable and a missing bucket', async () => {
    const set = await makeSet(root('src-'), 'app', '2026-04-01T03:00:00Z');
    const unset = await dest('s3-dest-nowhere', {}, { S3_KEY: S3_KEY_ID }).d.store([set]);
    expect((unset[0] as { error: Error }).error.message).toMatch(
      /secret_access_key_secret names S3_SECRET, which is not set/,
    );
    const missing = await dest('no-such-bucket-here').d.store([set]);
    expect((missing[0] as { error: Error }).error.message).toMatch(
      /the bucket "no-such-bucket-here" does not exist/,
    );
  });

  it('write_only: never deletes, says what retention would remove', async () => {
    const bucket = await newBucket();
    const set = await makeSet(root('src-'), 'app', '2026-04-01T03:00:00Z');
    const { d } = dest(bucket, { write_only: true });
    await d.store([set]);
    const before = await keys(bucket);
    const report = await d.remove('app', [set.setId]);
    expect(report.removed).toEqual([]);
    expect(report.retained).toEqual([
      { setId: set.setId, reason: expect.stringMatching(/write_only.*lifecycle rule/) },
    ]);
    expect(await keys(bucket)).toEqual(before);
  });

  it('object lock: a locked set is retained until its date and stays in the catalog (EMULATION of Object Lock)', async () => {
    const bucket = await newBucket();
    const src = root('src-');
    const locked = await makeSet(src, 'app', '2026-04-01T03:00:00Z');
    const { d } = dest(bucket, { object_lock: { mode: 'governance', retain_days: 30 } });
    await d.store([locked]);
    const lock = s3.emulation.locks.get(
      `${bucket}/supabase-backups/app/${locked.setId}/backup.json`,
    );
    expect(lock?.mode).toBe('GOVERNANCE');
    const report = await d.remove('app', [locked.setId]);
    expect(report.removed).toEqual([]);
    expect(report.retained[0]!.reason).toMatch(
      /^retained until \d{4}-\d{2}-\d{2}T.*object lock, GOVERNANCE/,
    );
    expect((await d.list('app')).map((s) => s.setId)).toEqual([locked.setId]);
    expect((await catalog(bucket)).sets.map((e) => e.set_id)).toEqual([locked.setId]);
    // Once the lock has run out, the set goes: every version deleted by its version id.
    const later = dest(bucket, { object_lock: { mode: 'governance', retain_days: 30 } });
    for (const [k, v] of s3.emulation.locks)
      if (k.startsWith(`${bucket}/`)) v.until = new Date(Date.now() - 1000);
    expect((await later.d.remove('app', [locked.setId])).removed).toEqual([locked.setId]);
    expect(await keys(bucket, 'supabase-backups/app/')).toEqual([]);
    expect((await catalog(bucket)).sets).toEqual([]);
  });

  it("a bucket's default retention (no object_lock in the config) is reported the same way (EMULATION of Object Lock)", async () => {
    const bucket = await newBucket();
    const set = await makeSet(root('src-'), 'app', '2026-04-01T03:00:00Z');
    const { d } = dest(bucket);
    await d.store([set]);
    const until = new Date(Date.now() + 7 * 86_400_000);
    for (const k of await keys(bucket, `supabase-backups/app/${set.setId}/`))
      s3.emulation.locks.set(`${bucket}/${k}`, { mode: 'COMPLIANCE', until });
    const report = await d.remove('app', [set.setId]);
    expect(report).toEqual({
      removed: [],
      retained: [
        {
          setId: set.setId,
          reason: `retained until ${until.toISOString()} (object lock, COMPLIANCE)`,
        },
      ],
    });
    expect((await d.list('app')).map((s) => s.status)).toEqual(['ok']);
  });
});

describe('commands over the s3 destination', () => {
  const config = (bucket: string, extra: string[] = []) =>
    parseConfig(
      [
        'version: 1',
        'projects:',
        '  - name: app',
        '    db_url_secret: APP_URL',
        '    destinations: [s3]',
        '    schedule: "0 3 * * *"',
        '    retention: {keep_last: 1}',
        '    s3:',
        `      bucket: ${bucket}`,
        `      endpoint: ${s3.endpoint}`,
        '      force_path_style: true',
        '      access_key_id_secret: S3_KEY',
        '      secret_access_key_secret: S3_SECRET',
        ...extra.map((l) => `      ${l}`),
      ].join('\n'),
      'c.yaml',
    );
  const env = { S3_KEY: S3_KEY_ID, S3_SECRET: S3_SECRET };
  const github = {
    serverUrl: '',
    apiUrl: '',
    repository: undefined,
    runId: undefined,
    token: undefined,
  };

  it("plan reads each project's newest good set from the bucket", async () => {
    const bucket = await newBucket();
    const set = await makeSet(root('src-'), 'app', '2026-04-01T03:00:00Z');
    await dest(bucket).d.store([set]);
    const logger = captureLogger();
    const last = await lastGoodSets(config(bucket).projects, { env, logger, workDir: root('w-') });
    expect(last.get('app')?.toISOString()).toBe('2026-04-01T03:00:00.000Z');
  });

  it('prune applies the policy in the bucket and reports locked sets as retained, not failed (EMULATION of Object Lock)', async () => {
    const bucket = await newBucket();
    const src = root('src-');
    const sets = [
      await makeSet(src, 'app', '2026-04-01T03:00:00Z'),
      await makeSet(src, 'app', '2026-04-02T03:00:00Z'),
      await makeSet(src, 'app', '2026-04-03T03:00:00Z'),
    ];
    const { d } = dest(bucket);
    await d.store(sets.slice(0, 2));
    // The oldest is locked for a week (the bucket's default retention).
    const until = new Date(Date.now() + 7 * 86_400_000);
    for (const k of await keys(bucket, `supabase-backups/app/${sets[0]!.setId}/`))
      s3.emulation.locks.set(`${bucket}/${k}`, { mode: 'GOVERNANCE', until });
    await d.store([sets[2]!]);
    const logger = captureLogger();
    const outcome = await prune(config(bucket).projects, {
      github,
      env,
      logger,
      workDir: root('w-'),
      outDir: root('out-'),
      dryRun: false,
      now: new Date('2026-04-04T00:00:00Z'),
    });
    expect(outcome.failures).toEqual([]);
    expect(outcome.results).toEqual([
      {
        project: 'app',
        destination: 's3',
        kept: [{ id: sets[2]!.setId, reasons: ['last snapshot'] }],
        removed: [sets[1]!.setId],
        retained: [
          {
            id: sets[0]!.setId,
            reason: `retained until ${until.toISOString()} (object lock, GOVERNANCE)`,
          },
        ],
      },
    ]);
    expect(logger.lines.join('\n')).toContain(`kept ${sets[0]!.setId}: retained until`);
    expect((await catalog(bucket)).sets.map((e) => e.set_id)).toEqual([
      sets[0]!.setId,
      sets[2]!.setId,
    ]);
  });
});
