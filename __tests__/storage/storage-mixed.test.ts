/**
 * The storage part beside the database parts (a real PostgreSQL and a real S3 server): one set
 * holds both; `--only storage` needs no database; a database restore leaves storage alone.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { backupEnv, cli } from '../support/cli.js';
import { createSupabaseDb } from '../support/fixture.js';
import { startCluster, type Cluster } from '../support/pg-cluster.js';
import { startS3Server, type S3Server } from '../support/s3-server.js';
import { manifestOf, seedBuckets, storageConfig } from './fixture.js';

let source: Cluster;
let s3: S3Server;
let setup: Awaited<ReturnType<typeof storageConfig>>;

beforeAll(async () => {
  [source, s3] = await Promise.all([startCluster(), startS3Server()]);
  await createSupabaseDb(source, 'app', { withUserContent: true });
  await seedBuckets(s3, 20, [100_000]);
  setup = await storageConfig(s3.endpoint);
  const text = await readFile(setup.config, 'utf8');
  await writeFile(
    setup.config,
    text.replace('parts: [storage]', 'parts: [roles, schema, data, storage]\n    engine: pg-dump'),
  );
}, 120_000);
afterAll(async () => {
  await Promise.all([source?.stop(), s3?.close()]);
});

it('one set holds the dumps and the storage index; the database restore leaves storage out', async () => {
  const out = join(setup.dir, 'out');
  const env = backupEnv({ ...setup.env, APP_DB_URL: source.url('app') } as Record<string, string>);
  const r = await cli(['backup', '--config', setup.config, '--out', out], env);
  expect(r.stderr).not.toContain('error');
  expect(r.code, r.stderr).toBe(0);
  const dir = r.stdout.trim();
  const m = await manifestOf(dir);
  expect(m.parts.map((p) => p.part)).toEqual(['roles', 'schema', 'data', 'storage']);
  expect(m.server.major).toBeGreaterThan(0);
  expect((await cli(['verify', '--from', dir], env)).code).toBe(0);

  const plan = await cli(
    ['restore', '--from', dir, '--target-url', source.url('postgres'), '--dry-run'],
    env,
  );
  expect(plan.code, plan.stderr).toBe(0);
  expect(plan.stderr).toMatch(/parts +roles .*, schema .*, data /);
  expect(plan.stderr).not.toMatch(/parts .*storage/);
});

it('--only storage backs up the buckets without the database or its secret', async () => {
  const out = join(setup.dir, 'out-storage');
  const r = await cli(['backup', '--config', setup.config, '--out', out, '--only', 'storage'], {
    ...setup.env,
  });
  expect(r.code, r.stderr).toBe(0);
  const m = await manifestOf(r.stdout.trim());
  expect(m.parts.map((p) => p.part)).toEqual(['storage']);
  expect(m.server).toEqual({ version: '', major: 0 });
  expect(m.tools.pg_dump).toBeUndefined();
});
