import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSupabaseDb } from './fixture.js';
import { startCluster, type Cluster } from './pg-cluster.js';
import { diffSnapshots, snapshot, type DbSnapshot } from './snapshot.js';

describe('Supabase fixture, cluster and snapshot', () => {
  let cluster: Cluster;
  let first: DbSnapshot;
  let second: DbSnapshot;

  beforeAll(async () => {
    cluster = await startCluster();
    await Promise.all([
      createSupabaseDb(cluster, 'fixture_a', { withUserContent: true }),
      createSupabaseDb(cluster, 'fixture b "ü"', { withUserContent: true }),
    ]);
    [first, second] = await Promise.all([
      snapshot(cluster, 'fixture_a'),
      snapshot(cluster, 'fixture b "ü"'),
    ]);
  });

  afterAll(async () => {
    await cluster?.stop();
  });

  it('runs a PostgreSQL 15 server reachable through its percent-encoded URL', () => {
    expect(cluster.serverMajor).toBe(15);
    expect(cluster.password).toMatch(/[@:/?#%&+'"\\ü]/);
    expect(cluster.url('fixture_a')).toBe(
      `postgresql://postgres:p%40ss%3Aw%2Fo%3Fr%23d%25%26%2B%27%22%5C%C3%BC@127.0.0.1:${cluster.port}/fixture_a`,
    );
  });

  it('loads the same content twice, and two identical databases snapshot equal', () => {
    expect(diffSnapshots(first, second)).toEqual([]);
  });

  it('captures a non-trivial picture, including what the official dump loses', () => {
    expect(Object.keys(first.tables).length).toBeGreaterThan(20);
    const rows = (rel: string) => Number(/rows=(\d+)/.exec(first.data[rel] ?? '')?.[1]);
    expect(rows('public.orders')).toBe(5000);
    expect(rows('app.events')).toBeGreaterThanOrEqual(1000);
    expect(rows('public.profiles')).toBe(3); // made by on_auth_user_created
    expect(rows('auth.users')).toBe(3);
    expect(first.data['auth.schema_migrations']).toBeUndefined();
    expect(first.data['vault.secrets']).toBeUndefined();
    expect(first.data['public.invoice_number_seq']).toBe('last_value=424242 is_called=false');

    expect(first.triggers['auth.users: on_auth_user_created']).toContain(
      'public.handle_new_user()',
    );
    expect(first.policies['storage.objects: Users upload own avatar']).toContain('foldername');
    expect(first.policies['storage.objects: Avatar images are publicly accessible.']).toBeDefined();
    expect(first.policies['storage.buckets: Public buckets are listable']).toBeDefined();
    expect(first.memberships['authenticator in app_editor']).toBe('admin=false');
    expect(first.roles['app_reporter']).toContain('connlimit=5');

    expect(first.views['app.daily_order_stats']).toContain('populated=t');
    expect(first.data['app.monthly_order_stats']).toMatch(/^rows=\d+ md5=/);
    expect(first.views['app.pending_export']).toContain('populated=f');
    expect(first.data['app.pending_export']).toBeUndefined();
    expect(first.types['public.order_status']).toContain(`'on hold', 'shipped'`);
    expect(first.tables['storage.objects']).toContain('rls=t');
  });

  it('names the table whose row changed', async () => {
    await cluster.psql(`UPDATE public.awkward_values SET t = t || 'x' WHERE id = 1`, 'fixture_a');
    const diffs = diffSnapshots(second, await snapshot(cluster, 'fixture_a'));
    expect(diffs).toHaveLength(1);
    expect(diffs[0]).toMatch(
      /^data: public\.awkward_values: expected "rows=6 md5=\w+", got "rows=6 md5=\w+"$/,
    );
  });

  it('reports missing, unexpected and changed definitions', async () => {
    await cluster.psql(
      `DROP POLICY "Users upload own avatar" ON storage.objects;
       CREATE OR REPLACE FUNCTION public.order_count(p_status public.order_status) RETURNS bigint
       LANGUAGE sql STABLE AS $$ SELECT count(*) + 1 FROM public.orders WHERE status = p_status $$;
       CREATE ROLE extra_role;`,
      'fixture_a',
    );
    await cluster.psql('REFRESH MATERIALIZED VIEW app.pending_export', 'fixture_a');
    try {
      const diffs = diffSnapshots(second, await snapshot(cluster, 'fixture_a'));
      expect(diffs).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^policies: storage\.objects: Users upload own avatar: missing/),
          expect.stringMatching(
            /^functions: public\.order_count\(public\.order_status\): line \d+: /,
          ),
          expect.stringMatching(/^roles: extra_role: unexpected/),
          expect.stringMatching(/^views: app\.pending_export: .*populated=f.*populated=t/),
          expect.stringMatching(/^data: app\.pending_export: unexpected/),
        ]),
      );
    } finally {
      await cluster.psql('DROP ROLE extra_role');
    }
  });
});
