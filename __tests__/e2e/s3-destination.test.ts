/**
 * The s3 destination as a new user meets it, with the built CLI (dist/cli.js) against a local
 * S3 server (s3rver through the real AWS SDK; the AWS behaviours s3rver lacks — conditional
 * writes, listing and aborting multipart uploads — come from the EMULATION in
 * __tests__/support/s3-emulation.ts): back up a Supabase-shaped database to destinations: [s3],
 * two concurrent runs of two projects both in <prefix>/manifest.json, restore --from s3://...
 * into a fresh Supabase-shaped database losing nothing, clear errors without secrets, and a
 * SIGTERM mid-upload leaving no set and no open multipart upload.
 */
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseManifest } from '../../src/catalog/manifest.js';
import { runAction } from '../support/action.js';
import { backupEnv, builtCli } from '../support/cli.js';
import { createSupabaseDb } from '../support/fixture.js';
import { startCluster, type Cluster } from '../support/pg-cluster.js';
import { startS3Server, S3_KEY_ID, S3_SECRET, type S3Server } from '../support/s3-server.js';
import { diffSnapshots, snapshot, type DbSnapshot } from '../support/snapshot.js';

const BUCKET = 'team-backups';
const PREFIX = 'nightly/supabase';
let s3: S3Server;
let source: Cluster;
let target: Cluster;
let expected: DbSnapshot;
const clusters: Cluster[] = [];

beforeAll(async () => {
  s3 = await startS3Server();
  await s3.client.send(new CreateBucketCommand({ Bucket: BUCKET }));
  [source, target] = await Promise.all([startCluster(), startCluster()]);
  await createSupabaseDb(source, 'app', { withUserContent: true });
  await createSupabaseDb(source, 'big');
  // ~22 MB of dump text: with compression none, a three-part upload.
  await source.psql(
    `create table public.big as select g as id, md5(g::text) || md5((g * 7)::text) as v
       from generate_series(1, 300000) g;`,
    'big',
  );
  expected = await snapshot(source, 'app');
}, 120_000);
afterAll(async () => {
  await Promise.all([source?.stop(), target?.stop(), ...clusters.map((c) => c.stop())]);
  await s3?.close();
});

/** A config whose projects store to the bucket with keys from S3_KEY / S3_SECRET. */
function writeS3Config(
  projects: { name: string; db: string; extra?: string[] }[],
  bucket = BUCKET,
): string {
  const dir = mkdtempSync(join(tmpdir(), 'cfg-s3-'));
  const file = join(dir, 'backups.config.yaml');
  const lines = [
    'version: 1',
    'defaults:',
    '  engine: pg-dump',
    '  destinations: [s3]',
    '  s3:',
    `    bucket: ${bucket}`,
    `    prefix: ${PREFIX}`,
    `    endpoint: ${s3.endpoint}`,
    '    region: us-east-1',
    '    force_path_style: true',
    '    access_key_id_secret: S3_KEY',
    '    secret_access_key_secret: S3_SECRET',
    'projects:',
    ...projects.flatMap((p) => [
      `  - name: ${p.name}`,
      `    db_url_secret: ${p.db.toUpperCase()}_URL`,
      ...(p.extra ?? []).map((l) => `    ${l}`),
    ]),
  ];
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

const env = (extra: Record<string, string> = {}) =>
  backupEnv({
    APP_URL: source.url('app'),
    BIG_URL: source.url('big'),
    S3_KEY: S3_KEY_ID,
    S3_SECRET: S3_SECRET,
    ...extra,
  });

async function keys(prefix: string): Promise<string[]> {
  const out = await s3.client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
  return (out.Contents ?? []).map((o) => o.Key!).sort();
}

async function catalog() {
  const out = await s3.client.send(
    new GetObjectCommand({ Bucket: BUCKET, Key: `${PREFIX}/manifest.json` }),
  );
  return parseManifest(await out.Body!.transformToString());
}

let databases = 0;
async function freshTarget(): Promise<{ db: string; url: string }> {
  const db = `restored_${++databases}`;
  await createSupabaseDb(target, db);
  return { db, url: target.url(db) };
}

describe('destinations: [s3] with the built CLI', () => {
  let setId = '';
  const cfg = () =>
    writeS3Config([
      { name: 'alpha', db: 'app' },
      { name: 'beta', db: 'app' },
    ]);

  it('two concurrent runs of two projects both land in <prefix>/manifest.json', async () => {
    const config = cfg();
    const runs = await Promise.all(
      ['alpha', 'beta'].map((p) =>
        builtCli(
          [
            'backup',
            '--config',
            config,
            '--project',
            p,
            '--out',
            mkdtempSync(join(tmpdir(), 'out-')),
            '--json',
          ],
          env(),
        ),
      ),
    );
    for (const r of runs) {
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).not.toContain(source.password);
    }
    // --json says where each set went.
    const urls = runs.map(
      (r) => (JSON.parse(r.stdout) as { sets: { s3: { url: string } }[] }).sets[0]!.s3.url,
    );
    expect(urls[0]).toMatch(new RegExp(`^s3://${BUCKET}/${PREFIX}/alpha/\\d{4}-`));
    expect(urls[1]).toMatch(new RegExp(`^s3://${BUCKET}/${PREFIX}/beta/\\d{4}-`));
    const m = await catalog();
    expect(m.sets.map((e) => e.project)).toEqual(['alpha', 'beta']);
    setId = m.sets[0]!.set_id;
    expect(await keys(`${PREFIX}/alpha/${setId}/`)).toEqual(
      ['SHA256SUMS', 'backup.json', 'data.sql.zst', 'roles.sql.zst', 'schema.sql.zst'].map(
        (f) => `${PREFIX}/alpha/${setId}/${f}`,
      ),
    );
  }, 180_000);

  it('restore --from s3://... --config into a fresh Supabase-shaped database loses nothing', async () => {
    const { db, url } = await freshTarget();
    const res = await builtCli(
      [
        'restore',
        '--from',
        `s3://${BUCKET}/${PREFIX}/alpha/${setId}`,
        '--config',
        cfg(),
        '--target-url-env',
        'T',
        '--yes',
      ],
      env({ T: url }),
    );
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toContain(`s3://${BUCKET}/${PREFIX}/alpha/${setId}`);
    expect(diffSnapshots(expected, await snapshot(target, db))).toEqual([]);
  }, 180_000);

  it('without --config the AWS SDK environment reaches the bucket; --latest takes the newest set; verify re-hashes it', async () => {
    const sdkEnv = {
      AWS_ACCESS_KEY_ID: S3_KEY_ID,
      AWS_SECRET_ACCESS_KEY: S3_SECRET,
      AWS_REGION: 'us-east-1',
      AWS_ENDPOINT_URL_S3: s3.endpoint,
    };
    // A cluster of its own: the roles the first restore created are cluster-wide.
    const fresh = await startCluster();
    clusters.push(fresh);
    const db = 'restored_beta';
    await createSupabaseDb(fresh, db);
    const url = fresh.url(db);
    const res = await builtCli(
      [
        'restore',
        '--from',
        `s3://${BUCKET}/${PREFIX}/beta`,
        '--latest',
        '--target-url-env',
        'T',
        '--yes',
      ],
      env({ ...sdkEnv, T: url }),
    );
    expect(res.code, res.stderr).toBe(0);
    expect(diffSnapshots(expected, await snapshot(fresh, db))).toEqual([]);
    const verify = await builtCli(
      ['verify', '--from', `s3://${BUCKET}/${PREFIX}/beta`, '--latest'],
      env(sdkEnv),
    );
    expect(verify.code, verify.stderr).toBe(0);
    expect(verify.stderr).toMatch(/1 set\(s\) checked, 0 problem\(s\)/);
  }, 180_000);

  it('wrong keys and a missing bucket: clear errors naming the variables and the bucket, no secret printed', async () => {
    // s3rver checks the key id, not the SigV4 signature: both keys are wrong here.
    const wrong = 'ThisIsNotTheSecret0123456789abcdefghij';
    const bad = await builtCli(
      [
        'backup',
        '--config',
        cfg(),
        '--project',
        'alpha',
        '--out',
        mkdtempSync(join(tmpdir(), 'out-')),
      ],
      env({ S3_KEY: 'AKIAREVOKEDKEY000001', S3_SECRET: wrong }),
    );
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/credentials were refused; check the keys in S3_KEY and S3_SECRET/);
    expect(bad.stderr).not.toContain(wrong);
    expect(bad.stderr).not.toContain('AKIAREVOKEDKEY000001');
    const missing = await builtCli(
      [
        'backup',
        '--config',
        writeS3Config([{ name: 'alpha', db: 'app' }], 'no-such-bucket'),
        '--out',
        mkdtempSync(join(tmpdir(), 'out-')),
      ],
      env(),
    );
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/the bucket "no-such-bucket" does not exist/);
    const unset = await builtCli(
      [
        'restore',
        '--from',
        `s3://${BUCKET}/${PREFIX}/alpha/${setId}`,
        '--config',
        cfg(),
        '--target-url',
        'postgresql://x@127.0.0.1:1/x',
        '--dry-run',
      ],
      { ...env(), S3_SECRET: '' },
    );
    expect(unset.code).toBe(1);
    expect(unset.stderr).toMatch(/s3\.secret_access_key_secret names S3_SECRET, which is not set/);
  }, 180_000);

  it(
    'SIGTERM mid-upload: no backup.json, no unfinished multipart upload, and the next run succeeds',
    { timeout: 240_000 },
    async () => {
      const config = writeS3Config([{ name: 'big', db: 'big', extra: ['compression: none'] }]);
      const waiting: (() => void)[] = [];
      let held = 0;
      s3.emulation.beforePart = () => {
        held++;
        return new Promise<void>((r) => waiting.push(r));
      };
      const reports = mkdtempSync(join(tmpdir(), 'reports-'));
      let pid = 0;
      const running = builtCli(
        ['backup', '--config', config, '--out', mkdtempSync(join(tmpdir(), 'out-'))],
        // A CLI that does not exit is asked for Node's diagnostic report (its open handles).
        env({
          NODE_OPTIONS: `--report-on-signal --report-signal=SIGUSR2 --report-directory=${reports}`,
        }),
        (p) => (pid = p),
      );
      let res;
      try {
        const deadline = Date.now() + 120_000;
        while (held === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
        expect(held, 'no part upload started').toBeGreaterThan(0);
        process.kill(pid, 'SIGTERM');
        // The held parts are let go soon after the signal, whatever the client does with them:
        // the outcome below must hold either way.
        setTimeout(() => {
          s3.emulation.beforePart = undefined;
          waiting.forEach((r) => r());
        }, 2000);
        res = await Promise.race([running, exitedWithin(running, pid, 60_000, reports)]);
      } finally {
        s3.emulation.beforePart = undefined;
        waiting.forEach((r) => r());
      }
      expect(res.code, res.stderr).toBe(130);
      // Nothing of the cancelled set is left: no backup.json, none of the files before it.
      expect(await keys(`${PREFIX}/big/`)).toEqual([]);
      const uploads = await s3.client.send(new ListMultipartUploadsCommand({ Bucket: BUCKET }));
      expect(uploads.Uploads ?? []).toEqual([]);

      const again = await builtCli(
        ['backup', '--config', config, '--out', mkdtempSync(join(tmpdir(), 'out-'))],
        env(),
      );
      expect(again.code, again.stderr).toBe(0);
      expect((await catalog()).sets.filter((e) => e.project === 'big')).toHaveLength(1);
    },
  );
});

/**
 * Rejects when the CLI has not exited `ms` after its SIGTERM: it is asked for a diagnostic
 * report, killed, and the error names what the report says kept it alive.
 */
function exitedWithin(
  running: Promise<unknown>,
  pid: number,
  ms: number,
  reports: string,
): Promise<never> {
  return new Promise((_, reject) => {
    let exited = false;
    void running.finally(() => {
      exited = true;
      clearTimeout(timer);
    });
    const timer = setTimeout(() => {
      try {
        process.kill(pid, 'SIGUSR2');
      } catch {
        return; // it has exited meanwhile
      }
      setTimeout(() => {
        if (exited) return;
        process.kill(pid, 'SIGKILL');
        const report = readdirSync(reports).map((f) => readFileSync(join(reports, f), 'utf8'))[0];
        const handles = report
          ? (JSON.parse(report) as { libuv: { type: string; is_active: boolean }[] }).libuv
              .filter((h) => h.is_active)
              .map((h) => JSON.stringify(h))
          : ['(no report written)'];
        reject(
          new Error(
            `the CLI did not exit within ${ms / 1000} s of SIGTERM; its active handles:\n${handles.join('\n')}`,
          ),
        );
      }, 3000);
    }, ms);
  });
}

// Last: it adds a project to the catalog the tests above count.
describe('destinations: [s3] with the built action', () => {
  it('the built action (dist/index.js) stores a set in the bucket, backup.json last, and catalogs it', async () => {
    const config = writeS3Config([{ name: 'via-action', db: 'app' }]);
    const run = await runAction({
      inputs: { command: 'backup', config, projects: 'via-action' },
      env: env(),
    });
    expect(run.code, run.log).toBe(0);
    // The runner consumes ::add-mask:: lines (they are how the value gets masked); no other line has it.
    const printed = run.log.split('\n').filter((l) => !l.startsWith('::add-mask::'));
    expect(printed.join('\n')).not.toContain(S3_SECRET);
    const stored = await keys(`${PREFIX}/via-action/`);
    const setId = stored[0]!.split('/')[3]!;
    expect(stored).toContain(`${PREFIX}/via-action/${setId}/backup.json`);
    expect(stored).toContain(`${PREFIX}/via-action/${setId}/SHA256SUMS`);
    expect(stored.filter((k) => k.endsWith('.sql.zst')).length).toBe(3);
    const entries = (await catalog()).sets.filter((e) => e.project === 'via-action');
    expect(entries.map((e) => e.path)).toEqual([`via-action/${setId}`]);
    expect(run.outputs['sets'] ?? '').toContain(`s3://${BUCKET}/${PREFIX}/via-action/${setId}`);
  });
});
