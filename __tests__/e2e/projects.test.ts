/** Several projects in one run: each independent, optionally concurrent. */
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { backupEnv, cli } from '../support/cli.js';
import { createSupabaseDb } from '../support/fixture.js';
import { startCluster, type Cluster } from '../support/pg-cluster.js';

let source: Cluster;
beforeAll(async () => {
  source = await startCluster();
  await createSupabaseDb(source, 'one', { withUserContent: true });
  await createSupabaseDb(source, 'two');
});
afterAll(async () => {
  await source.stop();
});

function config(): string {
  const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
  const file = join(dir, 'backups.config.yaml');
  writeFileSync(
    file,
    [
      'version: 1',
      'defaults:',
      '  engine: pg-dump',
      '  destinations: [local]',
      'projects:',
      '  - name: one',
      '    db_url_secret: ONE_DB_URL',
      '  - name: two',
      '    db_url_secret: TWO_DB_URL',
      '    parts: [schema, data]',
      '  - name: three',
      '    db_url_secret: THREE_DB_URL',
      '',
    ].join('\n'),
  );
  return file;
}

it('backs up projects concurrently; one failing project does not stop the others', async () => {
  const out = mkdtempSync(join(tmpdir(), 'out-'));
  const env = backupEnv({ ONE_DB_URL: source.url('one'), TWO_DB_URL: source.url('two') });
  const res = await cli(
    ['backup', '--config', config(), '--out', out, '--concurrency', '3', '--json'],
    env,
  );
  expect(res.code, res.stderr).toBe(1);
  const result = JSON.parse(res.stdout) as {
    sets: { project: string }[];
    failures: { project: string; error: string }[];
  };
  expect(result.sets.map((s) => s.project).sort()).toEqual(['one', 'two']);
  expect(result.failures).toEqual([
    { project: 'three', error: expect.stringContaining('THREE_DB_URL') },
  ]);
  expect(res.stderr).toMatch(/^\[one\] /m);
  expect(readdirSync(join(out, 'two', readdirSync(join(out, 'two'))[0]!)).sort()).toEqual([
    'SHA256SUMS',
    'backup.json',
    expect.stringMatching(/^data\.sql/),
    expect.stringMatching(/^schema\.sql/),
  ]);
});

it('--project and --only narrow the run', async () => {
  const out = mkdtempSync(join(tmpdir(), 'out-'));
  const env = backupEnv({ ONE_DB_URL: source.url('one') });
  const res = await cli(
    ['backup', '--config', config(), '--out', out, '--project', 'one', '--only', 'roles'],
    env,
  );
  expect(res.code, res.stderr).toBe(0);
  expect(readdirSync(out)).toEqual(['one']);
  const set = join(out, 'one', readdirSync(join(out, 'one'))[0]!);
  expect(readdirSync(set).sort()).toEqual([
    'SHA256SUMS',
    'backup.json',
    expect.stringMatching(/^roles\.sql/),
  ]);

  const unknown = await cli(
    ['backup', '--config', config(), '--out', out, '--project', 'nope'],
    env,
  );
  expect(unknown.code, unknown.stderr).toBe(2);
  expect(unknown.stderr).toMatch(/nope.*one, two, three/);
});
