/**
 * One contract for every destination (src/destinations/destination.ts), after restic's backend tests:
 * each destination that can run here gets the same tests against a real backend — local: a
 * directory; s3: s3rver through the real @aws-sdk/client-s3 (with the AWS-behaviour emulation of
 * __tests__/support/s3-emulation.ts in front, named so where a test relies on it); branch: real
 * git against the local smart-HTTP server; artifact: the real @actions/artifact client against
 * the results-service emulator (artifact-service.ts, Azurite for blobs), listed, deleted and
 * downloaded through the REST emulator (github-api.ts). A new destination is one harness here.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SET_MARKER } from '../../src/catalog/naming.js';
import { extractZip } from '../../src/restore/unzip.js';
import { verifySet } from '../../src/set/verify-set.js';
import { ArtifactDestination } from '../../src/destinations/artifact/destination.js';
import { BranchDestination, branchTargetFor } from '../../src/destinations/branch/destination.js';
import type { Destination, OpenedSet } from '../../src/destinations/destination.js';
import { LocalDestination } from '../../src/destinations/local/destination.js';
import { S3Destination } from '../../src/destinations/s3/destination.js';
import {
  startArtifactService,
  withEnv,
  type ArtifactService,
} from '../support/artifact-service.js';
import { startGitHubApi, type GitHubApi } from '../support/github-api.js';
import { startGitServer, type GitServer } from '../support/git-server.js';
import { startS3Server, S3_KEY_ID, S3_SECRET, type S3Server } from '../support/s3-server.js';
import { captureLogger, makeSet, tempRoot } from './sets.js';

const TOKEN = 'ghs_conformance-token-0123456789';
const roots: string[] = [];
const root = (p: string) => {
  const r = tempRoot(p);
  roots.push(r);
  return r;
};

interface Harness {
  name: string;
  /** A fresh, empty destination (and a second handle on the same place, as another run has). */
  make(): Promise<{ destination: Destination; again: () => Destination }>;
  /** Files of a set that has no backup.json (a cut-off upload), placed behind the destination's back. */
  plantIncomplete?(d: Destination, project: string, setId: string): Promise<void>;
  /** Else why a cut-off set cannot exist there (the test is skipped with this note). */
  noIncomplete?: string;
  /** False where listing cannot tell a drilled set (it would have to download each). */
  listsDrilled?: false;
}

let s3: S3Server;
let git: GitServer;
let artifacts: ArtifactService;
let api: GitHubApi;
let buckets = 0;
let repos = 0;
let prefixes = 0;
const logger = captureLogger();
const ctx = () => ({ env: { KEY: S3_KEY_ID, SECRET: S3_SECRET }, workDir: root('work-'), logger });

const harnesses: Harness[] = [
  {
    name: 'local',
    async make() {
      const dir = root('local-dest-');
      return {
        destination: new LocalDestination(dir, logger),
        again: () => new LocalDestination(dir, logger),
      };
    },
    async plantIncomplete(d, project, setId) {
      const { mkdirSync, writeFileSync } = await import('node:fs');
      const dir = join((d as LocalDestination).root, project, setId);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'roles.sql.gz'), 'partial');
    },
  },
  {
    name: 's3',
    async make() {
      const bucket = `conformance-${++buckets}`;
      await s3.client.send(new CreateBucketCommand({ Bucket: bucket }));
      const config = {
        bucket,
        prefix: buckets % 2 ? 'backups/nightly' : '',
        endpoint: s3.endpoint,
        region: 'us-east-1',
        force_path_style: true,
        access_key_id_secret: 'KEY',
        secret_access_key_secret: 'SECRET',
        write_only: false,
      };
      // 5 MiB parts (S3's smallest) so a 12 MiB file is a three-part upload.
      const make = () => new S3Destination(config, ctx(), { partBytes: 5 * 1024 * 1024 });
      return { destination: make(), again: make };
    },
    async plantIncomplete(d, project, setId) {
      const c = (d as S3Destination).config;
      const key = [c.prefix, project, setId, 'roles.sql.gz'].filter(Boolean).join('/');
      await s3.client.send(new PutObjectCommand({ Bucket: c.bucket, Key: key, Body: 'partial' }));
    },
  },
  {
    name: 'branch',
    async make() {
      const repository = `octo/conformance-${++repos}`;
      await git.createBareRepo(`${repository}.git`);
      const github = {
        serverUrl: git.url('').replace(/\/$/, ''),
        apiUrl: '',
        repository,
        runId: undefined,
        token: TOKEN,
      };
      const make = () => {
        const target = branchTargetFor({ name: 'x', branch: 'supabase-backups' }, github);
        return new BranchDestination(target, ctx(), github.serverUrl);
      };
      return { destination: make(), again: make };
    },
    noIncomplete: 'a push is atomic: the branch holds all of a set or none of it',
  },
  {
    name: 'artifact',
    async make() {
      // One repository (and one run) for all: a fresh prefix is a fresh, empty destination.
      const settings = { artifact_prefix: `conformance-${++prefixes}-sets` };
      const github = {
        serverUrl: artifacts.env['GITHUB_SERVER_URL']!,
        apiUrl: api.url,
        repository: artifacts.store.repository,
        runId: artifacts.env['GITHUB_RUN_ID'],
        token: TOKEN,
      };
      const make = () => {
        const d = new ArtifactDestination(settings, github, ctx());
        // @actions/artifact reads the job's connection from process.env, as in a real job.
        const store = d.store.bind(d);
        d.store = (sets) => withEnv(artifacts.env, () => store(sets));
        return d;
      };
      return { destination: make(), again: make };
    },
    // The REST API lists names and dates only (catalogued: false).
    listsDrilled: false,
    noIncomplete: 'an upload is listed only once finalized, whole: nothing half-written shows',
  },
];

beforeAll(async () => {
  s3 = await startS3Server();
  git = await startGitServer({ token: TOKEN });
  artifacts = await startArtifactService();
  api = await startGitHubApi({
    store: artifacts.store,
    token: TOKEN,
    download: (a) => artifacts.downloadUrl(a),
  });
});
afterAll(async () => {
  await s3.close();
  await git.close();
  await api?.close();
  await artifacts?.close();
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
const filesOf = (dir: string) =>
  Object.fromEntries(
    readdirSync(dir)
      .sort()
      .map((f) => [f, sha(join(dir, f))]),
  );
/**
 * The set directory of what `open` gave: an artifact gives its downloaded zip, which restore
 * extracts like any --from zip; so does this, with restore's own extractor.
 */
const setDir = async (opened: OpenedSet) => {
  if (!statSync(opened.dir).isFile()) return opened.dir;
  const dir = mkdtempSync(join(root('unzip-'), 'set-'));
  await extractZip(opened.dir, dir);
  return dir;
};

describe.each(harnesses)('$name destination', (h) => {
  it('is empty at first: lists nothing, opens nothing', async () => {
    const { destination } = await h.make();
    expect(await destination.list('app')).toEqual([]);
    await expect(destination.open('app')).rejects.toThrow(/no|does not exist/i);
    await expect(destination.open('app', '2026-01-01T000000Z')).rejects.toThrow();
  });

  it('stores a set and gives back the same bytes, which verify', async () => {
    const { destination } = await h.make();
    const set = await makeSet(root('src-'), 'app', '2026-03-01T02:00:00Z', { drilled: true });
    const [result] = await destination.store([set]);
    expect(result).toMatchObject({ project: 'app', ok: true });
    const listed = await destination.list('app');
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ setId: set.setId, status: 'ok' });
    expect(listed[0]!.drilled).toBe(h.listsDrilled ?? true);
    expect(listed[0]!.time.toISOString()).toBe(set.manifest.started_at);
    const opened = await destination.open('app', set.setId);
    try {
      const dir = await setDir(opened);
      expect(filesOf(dir)).toEqual(filesOf(set.dir));
      expect((await verifySet(dir)).problems).toEqual([]);
    } finally {
      await opened.cleanup();
    }
  });

  it('keeps projects apart, lists oldest first, opens the newest when no set is named', async () => {
    const { destination } = await h.make();
    const src = root('src-');
    const a1 = await makeSet(src, 'alpha', '2026-03-01T02:00:00Z');
    const b1 = await makeSet(src, 'beta', '2026-03-01T02:00:00Z');
    const a2 = await makeSet(src, 'alpha', '2026-03-02T02:00:00Z');
    const results = await destination.store([a1, b1]);
    expect(results.map((r) => r.ok)).toEqual([true, true]);
    expect((await destination.store([a2]))[0]!.ok).toBe(true);
    expect((await destination.list('alpha')).map((s) => s.setId)).toEqual([a1.setId, a2.setId]);
    expect((await destination.list('beta')).map((s) => s.setId)).toEqual([b1.setId]);
    const newest = await destination.open('alpha');
    try {
      const dir = await setDir(newest);
      expect(JSON.parse(readFileSync(join(dir, SET_MARKER), 'utf8')).set_id).toBe(a2.setId);
    } finally {
      await newest.cleanup();
    }
  });

  it('stores a file larger than an upload part intact', async () => {
    const { destination } = await h.make();
    const set = await makeSet(root('src-'), 'big', '2026-03-03T02:00:00Z', {
      dataBytes: 12 * 1024 * 1024 + 17,
    });
    expect((await destination.store([set]))[0]!.ok).toBe(true);
    const opened = await destination.open('big', set.setId);
    try {
      expect(sha(join(await setDir(opened), 'data.sql'))).toBe(sha(join(set.dir, 'data.sql')));
    } finally {
      await opened.cleanup();
    }
  }, 60_000);

  it('removes sets: gone from the list and unopenable, the others untouched', async () => {
    const { destination } = await h.make();
    const src = root('src-');
    const old = await makeSet(src, 'app', '2026-03-01T02:00:00Z');
    const mid = await makeSet(src, 'app', '2026-03-02T02:00:00Z');
    const other = await makeSet(src, 'web', '2026-03-01T02:00:00Z');
    await destination.store([old, other]);
    await destination.store([mid]);
    const report = await destination.remove('app', [old.setId]);
    expect(report).toEqual({ removed: [old.setId], retained: [] });
    expect((await destination.list('app')).map((s) => s.setId)).toEqual([mid.setId]);
    expect((await destination.list('web')).map((s) => s.setId)).toEqual([other.setId]);
    await expect(destination.open('app', old.setId)).rejects.toThrow();
  });

  it('sees what another run stored (a second handle on the same place)', async () => {
    const { destination, again } = await h.make();
    const set = await makeSet(root('src-'), 'app', '2026-03-04T02:00:00Z');
    await destination.store([set]);
    expect((await again().list('app')).map((s) => s.setId)).toEqual([set.setId]);
  });

  it('refuses a directory that is not a complete set', async () => {
    const { destination } = await h.make();
    const set = await makeSet(root('src-'), 'app', '2026-03-05T02:00:00Z');
    rmSync(join(set.dir, SET_MARKER));
    const [result] = await destination.store([set]);
    expect(result!.ok).toBe(false);
    expect((await destination.list('app')).filter((s) => s.status === 'ok')).toEqual([]);
  });

  it('never counts or opens a set without backup.json', async ({ skip }) => {
    if (!h.plantIncomplete) return skip(h.noIncomplete);
    const { destination } = await h.make();
    const set = await makeSet(root('src-'), 'app', '2026-03-01T02:00:00Z');
    await destination.store([set]);
    await h.plantIncomplete!(destination, 'app', '2026-03-06T020000Z');
    const listed = await destination.list('app');
    expect(listed.filter((s) => s.status === 'ok').map((s) => s.setId)).toEqual([set.setId]);
    await expect(destination.open('app', '2026-03-06T020000Z')).rejects.toThrow(/backup\.json/);
    const newest = await destination.open('app');
    try {
      expect(newest.dir.endsWith(set.setId)).toBe(true);
    } finally {
      await newest.cleanup();
    }
  });
});
