/**
 * A storage set at its destinations: retention in the output directory collects the objects
 * only removed sets referenced; an artifact carries every object and restores alone; the backup
 * branch holds the object area, each push adding only the objects the branch lacks, and a
 * checkout of it restores.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CreateBucketCommand, DeleteObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { streamLogger } from '../../src/log.js';
import { setObjectLists } from '../../src/storage/incremental.js';
import { uploadSetArtifact } from '../../src/destinations/artifact/upload.js';
import { DEFAULT_BRANCH_AUTHOR, pushSetsToBranch } from '../../src/destinations/branch/commit.js';
import { BranchDestination } from '../../src/destinations/branch/destination.js';
import type { FinishedSet } from '../../src/destinations/types.js';
import {
  startArtifactService,
  withEnv,
  type ArtifactService,
} from '../support/artifact-service.js';
import { cli } from '../support/cli.js';
import { startGitServer, type GitServer } from '../support/git-server.js';
import { S3Destination } from '../../src/destinations/s3/destination.js';
import { startS3Server, S3_KEY_ID, S3_SECRET, type S3Server } from '../support/s3-server.js';
import { manifestOf, put, seedBuckets, snapshotBuckets, storageConfig } from './fixture.js';

const sh = promisify(execFile);
const TOKEN = 'ghs_storage-test-token';
const BUCKETS = ['avatars', 'docs'];
let s3: S3Server;
let setup: Awaited<ReturnType<typeof storageConfig>>;
const projectDir = () => join(setup.dir, 'out', 'app');
const logger = streamLogger(() => undefined);

async function backup(): Promise<FinishedSet> {
  const r = await cli(
    ['backup', '--config', setup.config, '--out', join(setup.dir, 'out')],
    setup.env,
  );
  expect(r.code, r.stderr).toBe(0);
  const dir = r.stdout.trim();
  const manifest = await manifestOf(dir);
  const [newest] = await setObjectLists(projectDir());
  expect(newest!.setId).toBe(manifest.set_id);
  const objects = { area: join(projectDir(), 'objects'), names: newest!.names };
  return { project: 'app', setId: manifest.set_id, dir, manifest, objects };
}

/** Restores `from` into an empty server and checks it holds what the source holds. */
async function restoresToOriginal(...from: string[]) {
  const target = await startS3Server();
  try {
    const r = await cli(
      [
        'restore',
        ...(from.length === 1 ? ['--from', from[0]!] : from),
        '--parts',
        'storage',
        '--config',
        setup.config,
        '--s3-endpoint',
        target.endpoint,
        '--yes',
      ],
      setup.env,
    );
    expect(r.stderr).not.toContain('error');
    expect(r.code, r.stderr).toBe(0);
    expect(await snapshotBuckets(target, BUCKETS)).toEqual(await snapshotBuckets(s3, BUCKETS));
  } finally {
    await target.close();
  }
}

const areaFiles = async (dir: string) =>
  (
    await Promise.all((await readdir(dir)).map((d) => readdir(join(dir, d)).catch(() => [])))
  ).flat();

beforeAll(async () => {
  s3 = await startS3Server();
  await seedBuckets(s3, 30, [2_000_000]);
  setup = await storageConfig(s3.endpoint, '    retention: {keep_last: 1}\n');
}, 60_000);
afterAll(() => s3?.close());

describe('storage sets at their destinations', () => {
  let set: FinishedSet;

  it('retention removes the objects only removed sets referenced, and no other', async () => {
    await backup();
    expect(await areaFiles(join(projectDir(), 'objects'))).toHaveLength(32);
    await put(s3.client, 'avatars', 'users/1/avatar-1.png', 'replaced', 'image/png');
    await s3.client.send(
      new DeleteObjectCommand({ Bucket: 'avatars', Key: 'users/2/avatar-2.png' }),
    );
    set = await backup();
    expect((await readdir(projectDir())).filter((n) => n !== 'objects')).toEqual([set.setId]);
    // The old avatar-1 and avatar-2 went; the replacement came.
    expect(await areaFiles(join(projectDir(), 'objects'))).toHaveLength(31);
    expect((await cli(['verify', '--from', set.dir], setup.env)).code).toBe(0);
  });

  it('an artifact holds the set and every object it references, and restores alone', async () => {
    let service: ArtifactService | undefined;
    try {
      service = await startArtifactService();
      const env = service.env;
      const record = await withEnv(env, () =>
        uploadSetArtifact(set, { prefix: 'supabase-backup', logger, workDir: setup.dir }),
      );
      const zip = join(await mkdtemp(join(tmpdir(), 'storage-zip-')), 'set.zip');
      await writeFile(zip, await service.blob(record.id));
      expect((await cli(['verify', '--from', set.dir], setup.env)).code).toBe(0);
      await restoresToOriginal(zip);
    } finally {
      await service?.close();
    }
  });

  it('a bucket (the s3 destination) holds the object area, adds only what it lacks, and restores from s3://', async () => {
    await s3.client.send(new CreateBucketCommand({ Bucket: 'team-backups' }));
    const destination = new S3Destination(
      {
        bucket: 'team-backups',
        prefix: 'db',
        endpoint: s3.endpoint,
        force_path_style: true,
        access_key_id_secret: 'K',
        secret_access_key_secret: 'S',
        write_only: false,
      },
      { env: { K: S3_KEY_ID, S: S3_SECRET }, workDir: setup.dir, logger },
    );
    const objectKeys = async () =>
      (
        (
          await s3.client.send(
            new ListObjectsV2Command({ Bucket: 'team-backups', Prefix: 'db/app/objects/' }),
          )
        ).Contents ?? []
      ).map((o) => o.Key!);
    expect((await destination.store([set]))[0]!.ok).toBe(true);
    const stored = await objectKeys();
    expect(stored).toHaveLength((await areaFiles(join(projectDir(), 'objects'))).length);
    // Stored again (its objects are all there now): no object is uploaded twice.
    const putsBefore = s3.puts.length;
    expect((await destination.store([set]))[0]!.ok).toBe(true);
    expect(s3.puts.slice(putsBefore).filter((p) => p.includes('/objects/'))).toEqual([]);
    expect(s3.puts.slice(putsBefore).length).toBeGreaterThan(0);
    // Restored from the bucket: the set's folder and the objects its list names come down, not
    // the rest of the object area (another set's object here).
    const other = `db/app/objects/ff/${'f'.repeat(64)}`;
    await s3.seed('team-backups', other, Buffer.from('another set'), 'application/octet-stream');
    const getsBefore = s3.gets.length;
    setup.env = {
      ...setup.env,
      AWS_ACCESS_KEY_ID: S3_KEY_ID,
      AWS_SECRET_ACCESS_KEY: S3_SECRET,
      AWS_REGION: 'us-east-1',
      AWS_ENDPOINT_URL_S3: s3.endpoint,
    };
    await restoresToOriginal(`s3://team-backups/db/app/${set.setId}`);
    const got = s3.gets.slice(getsBefore);
    expect(got.filter((g) => g.includes('/objects/')).length).toBe(stored.length);
    expect(got).not.toContain(`team-backups/${other}`);
    await s3.client.send(new DeleteObjectCommand({ Bucket: 'team-backups', Key: other }));
    // Prune: once no remaining set references them, the objects go with the sets.
    expect((await destination.remove('app', [set.setId])).removed).toEqual([set.setId]);
    expect(await objectKeys()).toEqual([]);
  });

  it('the branch holds the object area; a push adds only what the branch lacks', async () => {
    let server: GitServer | undefined;
    try {
      server = await startGitServer({ token: TOKEN });
      const bare = await server.createBareRepo('octo/backups.git');
      const target = {
        remoteUrl: server.url('octo/backups.git'),
        branch: 'supabase-backups',
        token: TOKEN,
        author: DEFAULT_BRANCH_AUTHOR,
      };
      const work = await mkdtemp(join(tmpdir(), 'storage-branch-'));
      const first = await pushSetsToBranch([set], target, { workDir: work, logger });
      const git = async (...args: string[]) =>
        (await sh('git', ['--git-dir', bare, ...args])).stdout;
      const files = (await git('ls-tree', '-r', '--name-only', first.commit)).trim().split('\n');
      expect(files.filter((f) => f.startsWith('app/objects/'))).toHaveLength(31);

      await put(s3.client, 'docs', 'new/one.txt', 'one more', 'text/plain');
      const next = await backup();
      const second = await pushSetsToBranch([next], target, { workDir: work, logger });
      const added = (await git('diff', '--name-only', first.commit, second.commit))
        .trim()
        .split('\n');
      expect(added.filter((f) => f.startsWith('app/objects/'))).toHaveLength(1);
      // Opening the first set checks out its 31 objects, not the one only the second set has.
      const branch = new BranchDestination(
        { ...target, repository: 'octo/backups' },
        { env: {}, workDir: work, logger },
        'http://x',
      );
      const opened = await branch.open('app', set.setId);
      try {
        expect(await areaFiles(join(opened.dir, '..', 'objects'))).toHaveLength(31);
      } finally {
        await opened.cleanup();
      }

      const clone = await mkdtemp(join(tmpdir(), 'storage-clone-'));
      await sh('git', ['clone', '--quiet', '--branch', 'supabase-backups', bare, clone]);
      await restoresToOriginal(join(clone, 'app', next.setId));

      // A fresh runner (empty output directory) learns from the branch what not to download.
      const config = join(setup.dir, 'branch.config.yaml');
      const text = await readFile(setup.config, 'utf8');
      await writeFile(
        config,
        text.replace(
          'destinations: [local]',
          'destinations: [branch]\n    repository: octo/backups',
        ),
      );
      await put(
        s3.client,
        'avatars',
        'users/3/avatar-3.png',
        'changed on the fresh runner',
        'image/png',
      );
      s3.gets.length = 0;
      const env = {
        ...setup.env,
        GIT_SERVER_URL: server.url('').replace(/\/$/, ''),
        GITHUB_TOKEN: TOKEN,
      };
      const out = await mkdtemp(join(tmpdir(), 'storage-fresh-'));
      // Set ids are UTC seconds: a run in the same second as `next` would name the same set
      // (which the branch rightly refuses to overwrite).
      await new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000) + 20));
      const r = await cli(['backup', '--config', config, '--out', out], env);
      expect(r.stderr).toContain('incremental base from branch supabase-backups');
      expect(r.code, r.stderr).toBe(0);
      expect(s3.gets).toEqual(['avatars/users/3/avatar-3.png']);
      const fresh = await mkdtemp(join(tmpdir(), 'storage-clone-'));
      await sh('git', ['clone', '--quiet', '--branch', 'supabase-backups', bare, fresh]);
      const setId = (await manifestOf(r.stdout.trim())).set_id;
      expect((await cli(['verify', '--from', join(fresh, 'app', setId)], setup.env)).code).toBe(0);
      await restoresToOriginal(join(fresh, 'app', setId));
      // Straight from the branch: the set's folder and the object area are checked out.
      await restoresToOriginal('--from-branch', bare, '--project', 'app');

      // That run's retention (keep_last: 1) removed the older sets from the branch, and with
      // them the one object only they used (avatar-3's old content).
      const tree = (await git('ls-tree', '-r', '--name-only', 'supabase-backups')).split('\n');
      expect(new Set(tree.filter((f) => /^app\/20/.test(f)).map((f) => f.split('/')[1]))).toEqual(
        new Set([setId]),
      );
      expect(tree.filter((f) => f.startsWith('app/objects/'))).toHaveLength(32);
    } finally {
      await server?.close();
    }
  });
});
