import { describe, expect, it } from 'vitest';
import { databaseCoverage } from '../../src/dump/db-coverage.js';
import { webhookHosts } from '../../src/dump/webhooks.js';

const hooks = [
  { name: 'public.orders: notify', host: 'hooks.example.com' },
  { name: 'public.todos: created', host: 'abcdefghijklmnopqrst.supabase.co' },
  { name: 'public.todos: odd', host: '' },
];

describe('databaseCoverage', () => {
  it('lists migrations, cron jobs (with their run history not kept) and webhooks', () => {
    const c = databaseCoverage({ migrations: 4, cronJobs: 2, webhooks: hooks }, ['schema', 'data']);
    expect(c.map((e) => [e.surface, e.state])).toEqual([
      ['migration history (supabase migration list)', 'backed-up'],
      ['pg_cron jobs', 'backed-up'],
      ['pg_cron run history', 'not-configured'],
      ['database webhooks', 'partial'],
    ]);
    expect(c[3]!.note).toMatch(/calling abcdefghijklmnopqrst\.supabase\.co, hooks\.example\.com;/);
  });

  it('says when the project has none, or the part is missing', () => {
    const c = databaseCoverage({ migrations: 0, cronJobs: 0, webhooks: [] }, ['data']);
    expect(c).toEqual([
      expect.objectContaining({
        state: 'not-configured',
        note: 'the schema part is not in this set',
      }),
      expect.objectContaining({ surface: 'pg_cron jobs', note: 'the project has none' }),
      expect.objectContaining({ surface: 'database webhooks', state: 'not-configured' }),
    ]);
  });

  it('orders webhook hosts with Supabase project hosts first', () => {
    expect(webhookHosts(hooks)).toEqual(['abcdefghijklmnopqrst.supabase.co', 'hooks.example.com']);
  });
});
