/**
 * The connection preflight through the built CLI, against a stand-in that answers as Supabase's
 * pooler does (support/fake-pooler.ts). The URLs name the real Supabase hosts; `hostaddr` (a
 * libpq parameter: connect to this address, keep the host name) sends psql to the stand-in, so
 * psql prints exactly what it prints for the real service.
 */
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { secretForms } from '../../src/log.js';
import { backupEnv, builtCli, tree, writeConfig } from '../support/cli.js';
import { startFakePooler, type Answer, type FakePooler } from '../support/fake-pooler.js';
import { createSupabaseDb } from '../support/fixture.js';
import { startCluster, type Cluster } from '../support/pg-cluster.js';

const REF = 'abcdefghijklmnopqrst';
const POOLER = 'aws-0-eu-central-1.pooler.supabase.com';
const PASSWORD = `pooler-p@ss:w/o?r#d%&+'"\\ü`;
const SESSION_POOLER_URL = `postgresql://postgres.${REF}:<password>@aws-0-<region>.pooler.supabase.com:5432/postgres`;

const POOL_FULL =
  '(EMAXCONNSESSION) max clients reached in session mode - max clients are limited to pool_size: 15';

let source: Cluster;
const poolers: FakePooler[] = [];
beforeAll(async () => {
  source = await startCluster();
  await createSupabaseDb(source, 'app', { withUserContent: true });
});
afterAll(async () => {
  for (const p of poolers) await p.close();
  await source?.stop();
});

async function pooler(
  answer: (n: number, params: Record<string, string>) => Answer,
  port?: number,
): Promise<FakePooler> {
  const p = await startFakePooler(answer, port);
  poolers.push(p);
  return p;
}

const url = (user: string, host: string, port: number, extra = '') =>
  `postgresql://${user}:${encodeURIComponent(PASSWORD)}@${host}:${port}/postgres?hostaddr=127.0.0.1${extra}`;

async function backup(dbUrl: string) {
  const config = writeConfig({ name: 'prod', db_url_secret: 'PROD_DB_URL', engine: 'pg-dump' });
  const out = mkdtempSync(join(tmpdir(), 'preflight-out-'));
  const res = await builtCli(
    ['backup', '--config', config, '--out', out],
    backupEnv({ PROD_DB_URL: dbUrl, PGCONNECT_TIMEOUT: '5' }),
  );
  const text = res.stdout + res.stderr;
  for (const form of secretForms(PASSWORD)) expect(text).not.toContain(form);
  return { ...res, text, out };
}

describe('the pooler refuses: each message names the fix, nothing is dumped', () => {
  it('"Tenant or user not found" with the plain postgres user: the user must be postgres.<ref>', async () => {
    const p = await pooler(() => ({ error: { message: 'Tenant or user not found' } }));
    const res = await backup(url('postgres', POOLER, p.port));
    expect(res.code, res.text).toBe(1);
    // psql names the address given by hostaddr; the rest is the pooler's text, word for word.
    expect(res.text).toContain(`port ${p.port} failed: FATAL:  Tenant or user not found`);
    expect(res.text).toMatch(/must be postgres\.<ref>.*not "postgres"/);
    expect(tree(res.out)).toEqual([]);
    expect(p.startups).toHaveLength(1);
    expect(p.startups[0]!.user).toBe('postgres');
  });

  it('a pool full once: the retry connects and the backup completes, timeouts off in the startup options', async () => {
    const p = await pooler((n) =>
      n === 0
        ? { error: { message: POOL_FULL } }
        : { proxyTo: { host: source.host, port: source.port } },
    );
    const dbUrl =
      `postgresql://postgres:${encodeURIComponent(source.password)}@${POOLER}:${p.port}/app` +
      '?hostaddr=127.0.0.1';
    const config = writeConfig({ name: 'prod', db_url_secret: 'PROD_DB_URL', engine: 'pg-dump' });
    const out = mkdtempSync(join(tmpdir(), 'preflight-out-'));
    const res = await builtCli(
      ['backup', '--config', config, '--out', out],
      backupEnv({ PROD_DB_URL: dbUrl }),
    );
    expect(res.code, res.stdout + res.stderr).toBe(0);
    expect(res.stdout + res.stderr).toMatch(/session pool is full \(EMAXCONNSESSION\); attempt 1/);
    const sets = readdirSync(join(out, 'prod'));
    expect(sets).toHaveLength(1);
    // Every session after the refused one (preflight, catalog queries, each part's pg_dump).
    expect(p.startups.length).toBeGreaterThan(3);
    for (const s of p.startups)
      expect(s.options).toBe('-c statement_timeout=0 -c idle_in_transaction_session_timeout=0');

    // Restore connects through the same preflight: a pooler user without the ref is named.
    const refusing = await pooler(() => ({ error: { message: 'Tenant or user not found' } }));
    const restore = await builtCli(
      ['restore', '--from', join(out, 'prod', sets[0]!), '--target-url-env', 'T', '--yes'],
      { ...process.env, T: url('postgres', POOLER, refusing.port) },
    );
    const text = restore.stdout + restore.stderr;
    expect(restore.code, text).toBe(1);
    expect(text).toContain('FATAL:  Tenant or user not found');
    expect(text).toMatch(/must be postgres\.<ref>/);
    for (const form of secretForms(PASSWORD)) expect(text).not.toContain(form);
    expect(refusing.startups[0]!.options).toContain('statement_timeout=0');
  });

  it('a part whose pg_dump finds the pool full starts again after a wait; the set is complete', async () => {
    // pg_dump names itself in the startup message (application_name): refuse its first session.
    let refused = 0;
    const p = await pooler((_n, params) =>
      params.application_name === 'pg_dump' && refused++ === 0
        ? { error: { message: POOL_FULL } }
        : { proxyTo: { host: source.host, port: source.port } },
    );
    const dbUrl = `postgresql://postgres:${encodeURIComponent(source.password)}@127.0.0.1:${p.port}/app`;
    const config = writeConfig({ name: 'prod', db_url_secret: 'PROD_DB_URL', engine: 'pg-dump' });
    const out = mkdtempSync(join(tmpdir(), 'preflight-out-'));
    const res = await builtCli(
      ['backup', '--config', config, '--out', out],
      backupEnv({ PROD_DB_URL: dbUrl }),
    );
    const text = res.stdout + res.stderr;
    expect(res.code, text).toBe(0);
    expect(text).toMatch(
      /prod\/(schema|data): the pooler's session pool is full \(EMAXCONNSESSION\); attempt 1/,
    );
    expect(refused).toBeGreaterThan(1);
    const sets = readdirSync(join(out, 'prod'));
    expect(sets).toHaveLength(1);
    expect(
      readdirSync(join(out, 'prod', sets[0]!)).filter((f) => f.startsWith('data')),
    ).toHaveLength(1);
  });

  it('a URL on the transaction pooler port 6543 is moved to session mode (5432) with a notice, and works', async (ctx) => {
    // The session port must be 5432 itself: skipped when something else holds it here.
    const p = await pooler(
      () => ({ proxyTo: { host: source.host, port: source.port } }),
      5432,
    ).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE' || err.code === 'EACCES') return null;
      throw err;
    });
    if (!p) return ctx.skip();
    const dbUrl =
      `postgresql://postgres:${encodeURIComponent(source.password)}@${POOLER}:6543/app` +
      '?hostaddr=127.0.0.1';
    const config = writeConfig({ name: 'prod', db_url_secret: 'PROD_DB_URL', engine: 'pg-dump' });
    const out = mkdtempSync(join(tmpdir(), 'preflight-out-'));
    const res = await builtCli(
      ['backup', '--config', config, '--out', out],
      backupEnv({ PROD_DB_URL: dbUrl }),
    );
    expect(res.code, res.stdout + res.stderr).toBe(0);
    expect(res.stdout + res.stderr).toContain(`${POOLER}:6543 is Supabase's transaction pooler`);
    expect(readdirSync(join(out, 'prod'))).toHaveLength(1);
    expect(p.startups.length).toBeGreaterThan(3);
  });

  it('a pooler that refuses startup options (PgBouncer): one retry without them, a warning, a complete backup', async () => {
    const p = await pooler((_n, params) =>
      params.options !== undefined
        ? { error: { message: 'unsupported startup parameter: options', code: '08P01' } }
        : { proxyTo: { host: source.host, port: source.port } },
    );
    const dbUrl = `postgresql://postgres:${encodeURIComponent(source.password)}@127.0.0.1:${p.port}/app`;
    const config = writeConfig({ name: 'prod', db_url_secret: 'PROD_DB_URL', engine: 'pg-dump' });
    const out = mkdtempSync(join(tmpdir(), 'preflight-out-'));
    const res = await builtCli(
      ['backup', '--config', config, '--out', out],
      backupEnv({ PROD_DB_URL: dbUrl }),
    );
    expect(res.code, res.stdout + res.stderr).toBe(0);
    expect(res.stdout + res.stderr).toContain('refuses startup options');
    expect(readdirSync(join(out, 'prod'))).toHaveLength(1);
    // Only the first session asked for the options; every later one (the parts' too) did not.
    expect(p.startups[0]!.options).toContain('statement_timeout=0');
    expect(p.startups.slice(1).every((s) => s.options === undefined)).toBe(true);
    expect(p.startups.length).toBeGreaterThan(3);
  });

  it('a direct host that cannot be reached gets the Session pooler URL, the ref filled in', async () => {
    // Nothing listens there: "Connection refused", as for a paused project's direct host.
    const p = await pooler(() => ({ error: { message: 'unused' } }));
    const port = p.port;
    await p.close();
    const res = await backup(url('postgres', `db.${REF}.supabase.co`, port));
    expect(res.code, res.text).toBe(1);
    expect(res.text).toContain('Connection refused');
    expect(res.text).toContain(SESSION_POOLER_URL);
    expect(res.text).toContain('Connect → Session pooler');
  });

  it('a time-out says which timeout and where to look', async () => {
    // Accepts the connection and never answers, as a host behind a dropping firewall.
    const held: Socket[] = [];
    const silent = createServer((s) => void held.push(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    const port = (silent.address() as AddressInfo).port;
    try {
      const res = await backup(url(`postgres.${REF}`, POOLER, port, '&connect_timeout=2'));
      expect(res.code, res.text).toBe(1);
      expect(res.text).toContain('timeout expired');
      expect(res.text).toContain('PGCONNECT_TIMEOUT');
    } finally {
      for (const s of held) s.destroy();
      silent.close();
    }
  });
});
