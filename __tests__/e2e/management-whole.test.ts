/**
 * The whole project in one set, as a new user would configure it: roles, schema and data from a
 * throwaway PostgreSQL cluster plus functions and settings from the emulated Management API,
 * drilled before it is stored (the database restored into a throwaway cluster, both API parts
 * read back), with the coverage list in backup.json and the job summary.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseBackupJson } from '../../src/catalog/backup-json.js';
import { renderSummary } from '../../src/report/summary.js';
import { backupEnv, cli, writeConfig } from '../support/cli.js';
import { createSupabaseDb } from '../support/fixture.js';
import { newProject, startManagementApi, type ManagementApi } from '../support/management-api.js';
import { SOURCE_REF, TOKEN } from '../support/management-setup.js';
import { startCluster, type Cluster } from '../support/pg-cluster.js';

let source: Cluster;
let api: ManagementApi;
beforeAll(async () => {
  source = await startCluster();
  await createSupabaseDb(source, 'app', { withUserContent: true });
  api = await startManagementApi({
    tokens: { [TOKEN]: [SOURCE_REF] },
    projects: [newProject(SOURCE_REF)],
  });
});
afterAll(async () => {
  await api?.close();
  await source?.stop();
});

describe('a whole project', () => {
  it('backs up the database parts, functions and settings into one drilled set that says what it covers', async () => {
    const config = writeConfig({
      name: 'app',
      ref: SOURCE_REF,
      db_url_secret: 'SRC',
      engine: 'pg-dump',
      parts: ['roles', 'schema', 'data', 'functions', 'settings'],
      access_token_secret: 'SUPABASE_ACCESS_TOKEN',
      api_url: api.url,
    });
    const out = mkdtempSync(join(tmpdir(), 'mgmt-whole-'));
    const r = await cli(
      ['backup', '--config', config, '--out', out, '--drill'],
      backupEnv({ SRC: source.url('app'), SUPABASE_ACCESS_TOKEN: TOKEN }),
    );
    expect(r.code, r.stderr).toBe(0);
    const m = parseBackupJson(readFileSync(join(r.stdout.trim(), 'backup.json'), 'utf8'));
    expect(m.parts.map((p) => p.part)).toEqual([
      'roles',
      'schema',
      'data',
      'functions',
      'settings',
    ]);
    expect(m.drill?.ok).toBe(true);
    expect(r.stdout + r.stderr).toMatch(/drill: 8 settings section\(s\) read back identical/);
    const states = Object.fromEntries(m.coverage!.map((c) => [c.surface, c.state]));
    expect(states).toMatchObject({
      'database roles': 'backed-up',
      'table data': 'backed-up',
      'storage objects': 'not-configured',
      'edge functions': 'backed-up',
      'API settings (exposed schemas, max rows)': 'partial',
      'realtime settings': 'backed-up',
      'custom domain': 'partial',
      'function secret values': 'not-exportable',
    });
    const md = renderSummary({ sets: [{ manifest: m, stored: [] }], failures: [] });
    expect(md).toMatch(/### Coverage\n\n\| project \| backed up/);
    expect(md).toMatch(
      /\| app \| database roles<br>database schema<br>table data<br>edge functions/,
    );
    expect(api.violations).toEqual([]);
  });
});
