/**
 * Sets as workflow artifacts, through the real @actions/artifact client against a local results
 * service (Twirp) with Azurite behind its signed URLs, and artifact retention through the real
 * Octokit against a local REST API.
 */
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DefaultArtifactClient } from '@actions/artifact';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PartRecord } from '../../src/catalog/backup-json.js';
import { setIdFor } from '../../src/catalog/naming.js';
import { StorageError } from '../../src/errors.js';
import { streamLogger } from '../../src/log.js';
import { artifactName, uploadSetArtifact } from '../../src/destinations/artifact/upload.js';
import { createOctokit } from '../../src/github/octokit.js';
import {
  deleteArtifacts,
  listBackupArtifacts,
  parseArtifactName,
} from '../../src/destinations/artifact/retention.js';
import type { FinishedSet } from '../../src/destinations/types.js';
import { SetWriter } from '../../src/set/writer.js';
import {
  startArtifactService,
  withEnv,
  type ArtifactService,
} from '../support/artifact-service.js';
import { ArtifactStore, startGitHubApi } from '../support/github-api.js';
import { commitSet, testManifest } from '../support/test-set.js';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const PREFIX = 'supabase-backup';
const REPO = { owner: 'octo-org', repo: 'backups' };

function logger() {
  const lines: string[] = [];
  return Object.assign(
    streamLogger((l) => lines.push(l)),
    { lines },
  );
}

/** A real set: gzip parts (data.sql.gz over 8 MiB, so the blob upload takes several blocks). */
async function makeSet(root: string, project: string): Promise<FinishedSet> {
  const writer = await SetWriter.begin(root, project, new Date('2026-11-22T03:15:00Z'));
  const sql: Record<string, Buffer> = {
    roles: Buffer.from('CREATE ROLE app_user;\n'),
    schema: Buffer.from('CREATE TABLE public.t (id int primary key, v text);\n'),
    data: Buffer.from(
      `COPY public.t (id, v) FROM stdin;\n1\t${randomBytes(9 << 20).toString('base64')}\n\\.\n`,
    ),
  };
  const parts: PartRecord[] = [];
  for (const [part, raw] of Object.entries(sql)) {
    const file = `${part}.sql.gz`;
    const stored = gzipSync(raw, { level: 1 });
    await writeFile(join(writer.dir, file), stored);
    parts.push({
      part: part as PartRecord['part'],
      file,
      bytes: stored.length,
      sha256: sha256(stored),
      raw_bytes: raw.length,
      raw_sha256: sha256(raw),
      compression: 'gzip',
      encryption: null,
      duration_ms: 1,
    });
  }
  const manifest = testManifest(writer, project, '2026-11-22T03:15:00Z', parts, {
    finished_at: '2026-11-22T03:15:09.000Z',
    tools: { 'supabase-backup': '0.1.0' },
    server: { version: '17.4', major: 17 },
    tables: [{ schema: 'public', name: 't', rows: 1 }],
  });
  return commitSet(writer, manifest);
}

/** Name, method and sizes of each entry, from the zip's central directory. */
function zipEntries(zip: Buffer) {
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  const count = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  const out: {
    name: string;
    method: number;
    localMethod: number;
    compressed: number;
    size: number;
  }[] = [];
  for (let i = 0; i < count; i++) {
    expect(zip.readUInt32LE(at)).toBe(0x02014b50);
    const nameLen = zip.readUInt16LE(at + 28);
    const local = zip.readUInt32LE(at + 42);
    out.push({
      name: zip.toString('utf8', at + 46, at + 46 + nameLen),
      method: zip.readUInt16LE(at + 10),
      localMethod: zip.readUInt16LE(local + 8),
      compressed: zip.readUInt32LE(at + 20),
      size: zip.readUInt32LE(at + 24),
    });
    at += 46 + nameLen + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
  }
  return out;
}

describe('sets as workflow artifacts', () => {
  let service: ArtifactService;
  let root: string;
  let set: FinishedSet;
  const upload = (s: FinishedSet, env: Record<string, string | undefined> = service.env) =>
    withEnv(env, () =>
      uploadSetArtifact(s, {
        prefix: PREFIX,
        retentionDays: 7,
        logger: logger(),
        serverUrl: service.env['GITHUB_SERVER_URL'],
        repository: service.env['GITHUB_REPOSITORY'],
        runId: service.env['GITHUB_RUN_ID'],
      }),
    );

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'artifact-test-'));
    [service, set] = await Promise.all([startArtifactService(), makeSet(root, 'prod-eu')]);
  });
  afterAll(async () => {
    await service?.close();
    await rm(root, { recursive: true, force: true });
  });

  it('uploads the set flat and stored, and downloads back to a set sha256sum -c accepts', async () => {
    const record = await upload(set);
    const files = (await readdir(set.dir)).sort();
    expect(files).toEqual([
      'SHA256SUMS',
      'backup.json',
      'data.sql.gz',
      'roles.sql.gz',
      'schema.sql.gz',
    ]);
    expect(record.name).toBe('supabase-backup-prod-eu-2026-11-22T031500Z');
    expect(record.url).toBe(
      `https://github.localhost/octo-org/backups/actions/runs/4242/artifacts/${record.id}`,
    );
    expect(record.digest).toMatch(/^sha256:[0-9a-f]{64}$/);

    const [stored] = service.artifacts();
    expect(stored).toMatchObject({
      id: record.id,
      name: record.name,
      digest: record.digest,
      size: record.size,
    });
    expect(stored!.mimeType).toBe('application/zip');
    expect(stored!.blobSize).toBe(record.size);
    const days = (stored!.expiresAt!.getTime() - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(6.9);
    expect(days).toBeLessThan(7.1);

    // The digest is the sha256 of the zip exactly as it sits in blob storage.
    const zip = await service.blob(record.id);
    expect(zip.length).toBe(record.size);
    expect(`sha256:${sha256(zip)}`).toBe(record.digest);
    const entries = zipEntries(zip);
    expect(entries.map((e) => e.name).sort()).toEqual(files);
    for (const e of entries) {
      const original = await readFile(join(set.dir, e.name));
      expect({ name: e.name, method: e.method, localMethod: e.localMethod }).toEqual({
        name: e.name,
        method: 0, // STORED: compression level 0 reached the zip
        localMethod: 0,
      });
      expect([e.compressed, e.size]).toEqual([original.length, original.length]);
    }

    const out = await mkdtemp(join(tmpdir(), 'artifact-download-'));
    try {
      const result = await withEnv(service.env, () =>
        new DefaultArtifactClient().downloadArtifact(record.id, {
          path: out,
          expectedHash: record.digest,
        }),
      );
      expect(result.digestMismatch).toBe(false);
      expect((await readdir(out)).sort()).toEqual(files);
      for (const f of files) {
        expect(sha256(await readFile(join(out, f))), f).toBe(
          sha256(await readFile(join(set.dir, f))),
        );
      }
      const check = execFileSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: out, encoding: 'utf8' });
      expect(check.trim().split('\n').sort()).toEqual([
        'data.sql.gz: OK',
        'roles.sql.gz: OK',
        'schema.sql.gz: OK',
      ]);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });

  it('refuses a second upload of the same set in the same run', async () => {
    const err = await upload(set).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageError);
    expect((err as Error).message).toMatch(
      /an artifact named "supabase-backup-prod-eu-2026-11-22T031500Z" already exists in this workflow run/,
    );
    expect(service.artifacts()).toHaveLength(1);
  });

  it('says what to do outside GitHub Actions', async () => {
    const before = service.calls.length;
    const err = await upload(set, { ...service.env, ACTIONS_RUNTIME_TOKEN: undefined }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(StorageError);
    expect((err as Error).message).toMatch(
      /^artifact upload needs ACTIONS_RUNTIME_TOKEN: run inside GitHub Actions or choose destinations: \[branch\]/,
    );
    expect(service.calls.length).toBe(before);
  });

  it('says that GitHub Enterprise Server is not supported', async () => {
    const env = { ...service.env, GITHUB_SERVER_URL: 'https://github.example.com' };
    const err = await upload(set, env).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageError);
    expect((err as Error).message).toMatch(
      /not supported on GitHub Enterprise Server.*destinations: \[branch\]/,
    );
  });

  it('uploads only finished sets', async () => {
    const dir = join(root, 'prod', 'half');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'roles.sql.gz'), 'x');
    const err = await upload({ ...set, project: 'prod', dir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageError);
    expect((err as Error).message).toMatch(/has no backup\.json: it is not a finished set/);
  });

  it('lists uploads through the REST API; the client deletes them from the service', async () => {
    const api = await startGitHubApi({
      store: service.store,
      token: 'ghs_rw',
      download: (a) => service.downloadUrl(a),
    });
    const [uploaded] = service.artifacts();
    const { id, name, size } = uploaded!;
    try {
      const listed = await listBackupArtifacts(
        await createOctokit('ghs_rw', api.url),
        REPO,
        PREFIX,
      );
      expect(listed).toEqual([expect.objectContaining({ id, name, size, expired: false })]);

      // The archive, as GitHub serves it: 302 to a short-lived blob URL that needs no token.
      const zipUrl = `${api.url}/repos/${REPO.owner}/${REPO.repo}/actions/artifacts`;
      const get = (path: string) =>
        fetch(`${zipUrl}/${path}`, {
          headers: { authorization: 'Bearer ghs_rw' },
          redirect: 'manual',
        });
      const res = await get(`${id}/zip`);
      expect(res.status).toBe(302);
      const location = new URL(res.headers.get('location')!);
      const expires = Date.parse(location.searchParams.get('se')!);
      expect(expires - Date.now()).toBeLessThanOrEqual(60_000);
      expect(location.searchParams.get('sp')).toBe('r');
      const blob = Buffer.from(await (await fetch(location)).arrayBuffer());
      expect(sha256(blob)).toBe(sha256(await service.blob(id)));
      expect((await get(`${id}/tar`)).status).toBe(404);
      expect((await get('999999/zip')).status).toBe(404);
      const expiresAt = uploaded!.expiresAt;
      uploaded!.expiresAt = new Date(Date.now() - 1000);
      expect((await get(`${id}/zip`)).status).toBe(410);
      uploaded!.expiresAt = expiresAt;
    } finally {
      await api.close();
    }
    const deleted = await withEnv(service.env, () =>
      new DefaultArtifactClient().deleteArtifact(name),
    );
    expect(deleted.id).toBe(id);
    expect(service.artifacts()).toEqual([]);
    await expect(service.blob(id)).rejects.toThrow();
  });
});

describe('artifact names', () => {
  it('names <prefix>-<project>-<set-id> and parses that back', () => {
    const name = artifactName('supabase-backup', 'my-app_2', '2026-11-22T031500Z');
    expect(name).toBe('supabase-backup-my-app_2-2026-11-22T031500Z');
    expect(parseArtifactName('supabase-backup', name)).toEqual({
      project: 'my-app_2',
      setId: '2026-11-22T031500Z',
    });
  });

  it('refuses what GitHub refuses', () => {
    for (const bad of ['a/b', 'a:b', 'a*b', 'a\nb', 'a\\b', 'a"b', 'a?b', 'a|b', 'a<b']) {
      expect(() => artifactName(bad, 'prod', '2026-11-22T031500Z'), bad).toThrow(StorageError);
    }
    expect(() => artifactName('x', 'prod', '2026-11-22T031500Z')).not.toThrow();
  });

  it('parses only the names a prefix made', () => {
    const p = 'supabase-backup';
    for (const name of [
      'supabase-backup-prod',
      'supabase-backupx-prod-2026-11-22T031500Z',
      'supabase-backup--2026-11-22T031500Z',
      'supabase-backup-Prod-2026-11-22T031500Z',
      'supabase-backup-prod-2026-11-22T031500',
      'coverage-report',
    ]) {
      expect(parseArtifactName(p, name), name).toBeNull();
    }
  });
});

describe('artifact retention over the REST API', () => {
  const store = new ArtifactStore('octo-org/backups');
  let api: Awaited<ReturnType<typeof startGitHubApi>>;
  const t0 = Date.parse('2026-01-01T00:00:00Z');

  beforeAll(async () => {
    const projects = ['prod', 'prod-eu', 'staging'];
    for (let i = 0; i < 130; i++) {
      const at = new Date(t0 + i * 3600_000);
      const setId = setIdFor(at);
      store.add({
        name: artifactName(PREFIX, projects[i % 3]!, setId),
        createdAt: at,
        size: 1000 + i,
        expiresAt: i < 5 ? new Date(Date.now() - 1000) : new Date(Date.now() + 86_400_000),
      });
    }
    for (const name of [
      'coverage-report',
      'supabase-backup-notes',
      'supabase-backupx-prod-2026-01-01T000000Z',
    ]) {
      store.add({ name, createdAt: new Date(t0) });
    }
    api = await startGitHubApi({ store, token: 'ghs_rw' });
  });
  afterAll(() => api?.close());

  it('pages through every artifact and keeps the backups', async () => {
    const listed = await listBackupArtifacts(
      await createOctokit('ghs_rw', `${api.url}/`),
      REPO,
      PREFIX,
    );
    expect(listed).toHaveLength(130);
    expect(listed.filter((a) => a.expired)).toHaveLength(5);
    expect(listed[0]).toEqual({
      id: expect.any(Number),
      name: 'supabase-backup-prod-2026-01-06T090000Z',
      created_at: '2026-01-06T09:00:00Z',
      size: 1129,
      expired: false,
    });
    expect(api.requests.filter((r) => r.startsWith('GET'))).toEqual([
      'GET /repos/octo-org/backups/actions/artifacts?per_page=100',
      'GET /repos/octo-org/backups/actions/artifacts?per_page=100&page=2',
    ]);
  });

  it('deletes, takes 404 as already gone, and names the permission on 403', async () => {
    const log = logger();
    const octokit = await createOctokit('ghs_rw', api.url);
    const [a, b] = store.items;
    await deleteArtifacts(octokit, REPO, [a!.id, 999_999, b!.id], log);
    expect(store.byId(a!.id)).toBeUndefined();
    expect(store.byId(b!.id)).toBeUndefined();
    expect(log.lines.join('')).toMatch(/Artifact 999999 is already gone/);

    api.setReadOnly(true);
    const c = store.items[0]!;
    const err = await deleteArtifacts(octokit, REPO, [c.id], log).catch((e: unknown) => e);
    api.setReadOnly(false);
    expect(err).toBeInstanceOf(StorageError);
    expect((err as Error).message).toMatch(
      /refused \(403 .*\): the job needs `permissions: actions: write`/,
    );
    expect(store.byId(c.id)).toBeDefined();
  });

  it('says when the token is refused', async () => {
    const err = await listBackupArtifacts(
      await createOctokit('wrong', api.url),
      REPO,
      PREFIX,
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageError);
    expect((err as Error).message).toMatch(/GitHub token was refused \(401/);
  });
});
