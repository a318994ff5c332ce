/**
 * Restore safety and selection on real clusters: a target with user tables is refused unless
 * --force; a failing statement is named (part, line, statement) and rolls everything back;
 * --parts and --tables restore part of a set (data of chosen tables, their sequences, the
 * materialized views that read them); what cannot be done safely is refused up front.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backupFixture, cli } from '../support/cli.js';
import { createSupabaseDb } from '../support/fixture.js';
import { startCluster, type Cluster } from '../support/pg-cluster.js';

let source: Cluster;
let target: Cluster;
let setDir: string;

beforeAll(async () => {
  [source, target] = await Promise.all([startCluster(), startCluster()]);
  await createSupabaseDb(source, 'app', { withUserContent: true });
  ({ setDir } = await backupFixture(source.url('app'), 'restore-sel-'));
});
afterAll(async () => {
  await Promise.all([source?.stop(), target?.stop()]);
});

const restoreInto = (db: string, ...args: string[]) =>
  cli(['restore', '--from', setDir, '--target-url-env', 'T', ...args], {
    ...process.env,
    T: target.url(db),
  });
const count = (db: string, table: string) => target.psql(`select count(*) from ${table}`, db);

describe('restore safety', () => {
  it('refuses a target holding user tables unless --force; a failing statement is located and rolled back', async () => {
    await createSupabaseDb(target, 'busy');
    await target.psql(
      'create table public.existing (id int); insert into public.existing values (1)',
      'busy',
    );
    const refused = await restoreInto('busy', '--yes');
    expect(refused.code, refused.stderr).toBe(1);
    expect(refused.stderr).toMatch(
      /already holds 1 user table\(s\) \(public\.existing\).*--force.*nothing was changed/s,
    );
    expect(await target.psql("select to_regclass('public.customers') is null", 'busy')).toBe('t');

    const forced = await restoreInto('busy', '--yes', '--force');
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stderr).toMatch(/--force: applying over 1 user table/);
    expect(await count('busy', 'public.existing')).toBe('1');

    // The roles exist now in this cluster: a second full restore fails on CREATE ROLE.
    await createSupabaseDb(target, 'second');
    const failed = await restoreInto('second', '--yes');
    expect(failed.code, failed.stderr).toBe(1);
    expect(failed.stderr).toMatch(/rolled back; the target is unchanged/);
    expect(failed.stderr).toMatch(/roles\.sql line \d+: ERROR: {2}role "[^"]+" already exists/);
    expect(failed.stderr).toMatch(/statement:\n {4}CREATE ROLE "[^"]+";/);
    expect(await target.psql("select to_regclass('public.customers') is null", 'second')).toBe('t');
  });
});

describe('selective restore', () => {
  it('--parts schema, then --tables loads only those tables, their sequences and dependent materialized views', async () => {
    await createSupabaseDb(target, 'pick');
    const schema = await restoreInto('pick', '--yes', '--parts', 'schema');
    expect(schema.code, schema.stderr).toBe(0);
    expect(await count('pick', 'public.orders')).toBe('0');

    const dry = await restoreInto(
      'pick',
      '--dry-run',
      '--tables',
      'public.customers,public.orders',
    );
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stderr).toMatch(
      /data {4}2 tables, \d+ rows\n {10}public\.customers: \d+ rows\n {10}public\.orders: 5000 rows/,
    );

    const res = await restoreInto('pick', '--yes', '--tables', 'public.customers, public.orders');
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toMatch(/row counts match backup\.json for 2 tables/);
    expect(await count('pick', 'public.orders')).toBe(
      await source.psql('select count(*) from public.orders', 'app'),
    );
    expect(await count('pick', 'app.tasks')).toBe('0');
    expect(await count('pick', 'auth.users')).toBe('0');
    // The sequence orders owns is set; one it only uses (invoice numbers) is left alone.
    expect(await target.psql('select last_value from public.orders_id_seq', 'pick')).toBe('987654');
    expect(await target.psql('select is_called from public.invoice_number_seq', 'pick')).toBe('f');
    const populated = (v: string) =>
      target.psql(`select ispopulated from pg_matviews where matviewname = '${v}'`, 'pick');
    expect(await populated('daily_order_stats')).toBe('t');
    expect(await populated('monthly_order_stats')).toBe('t');
    expect(await populated('pending_export')).toBe('f');

    const again = await restoreInto('pick', '--yes', '--tables', 'public.customers');
    expect(again.code, again.stderr).toBe(1);
    expect(again.stderr).toMatch(/already hold rows: public\.customers.*nothing was changed/s);

    const before = await count('pick', 'public.customers');
    const forced = await restoreInto('pick', '--yes', '--force', '--tables', 'public.customers');
    expect(forced.code, forced.stderr).toBe(1);
    expect(forced.stderr).toMatch(
      /data\.sql \(filtered for --tables\) line \d+: ERROR: {2}duplicate key value/,
    );
    expect(forced.stderr).toMatch(/CONTEXT: {2}COPY customers, line 1/);
    expect(forced.stderr).toMatch(
      /statement:\n {4}COPY "public"\."customers" \(.*\n {4}\(row 1\) \d+\t/,
    );
    expect(await count('pick', 'public.customers')).toBe(before);
  });

  it('refuses what cannot be done safely, before touching the target', async () => {
    await createSupabaseDb(target, 'empty');
    const combos: [string[], RegExp][] = [
      [
        ['--parts', 'schema,data', '--tables', 'public.orders'],
        /cannot be combined with the schema part/,
      ],
      [['--schemas', 'app'], /--schemas is not supported: schema\.sql is one pg_dump script/],
      [['--tables', 'public.nope'], /no data for public\.nope in this set/],
      [['--parts', 'roles', '--tables', 'public.orders'], /include the data part/],
    ];
    for (const [args, message] of combos) {
      const res = await restoreInto('empty', '--yes', ...args);
      expect(res.code, args.join(' ')).toBe(2);
      expect(res.stderr).toMatch(message);
    }
    const missing = await restoreInto('empty', '--yes', '--tables', 'public.orders');
    expect(missing.code, missing.stderr).toBe(1);
    expect(missing.stderr).toMatch(/do not exist in the target.*public\.orders.*--parts schema/s);
  });
});
