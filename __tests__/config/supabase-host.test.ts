import { describe, expect, it } from 'vitest';
import { parseConnectionUrl } from '../../src/config/secrets.js';
import {
  poolerUserAdvice,
  sessionModeConnection,
  sessionPoolerUrl,
  supabaseHost,
  useSessionPoolerAdvice,
} from '../../src/config/supabase-host.js';

const REF = 'abcdefghijklmnopqrst';
const PASSWORD = 's3cr3t-p@ss';
const url = (s: string) => parseConnectionUrl(s, 'TEST_URL');

describe('supabaseHost', () => {
  it('reads the ref of a direct host, in any case, with or without a final dot', () => {
    for (const host of [
      `db.${REF}.supabase.co`,
      `DB.${REF.toUpperCase()}.SUPABASE.CO`,
      `db.${REF}.supabase.co.`,
    ])
      expect(supabaseHost({ host, port: 5432, user: 'postgres' })).toEqual({
        kind: 'direct',
        ref: REF,
        transactionMode: false,
      });
  });

  it('reads a pooler host and its ref from the user postgres.<ref>, and port 6543 as transaction mode', () => {
    const conn = url(
      `postgresql://postgres.${REF}:pw@aws-0-eu-central-1.pooler.supabase.com:6543/postgres`,
    );
    expect(supabaseHost(conn)).toEqual({ kind: 'pooler', ref: REF, transactionMode: true });
    expect(supabaseHost({ ...conn, port: 5432, user: 'postgres' })).toEqual({
      kind: 'pooler',
      ref: null,
      transactionMode: false,
    });
  });

  it('leaves every other host alone, look-alikes included', () => {
    for (const host of [
      'localhost',
      '127.0.0.1',
      `db.${REF}.supabase.co.evil.example`,
      `db.${REF}.supabase.com`,
      'pooler.supabase.com.example.org',
      `x.db.${REF}.supabase.co`,
    ])
      expect(supabaseHost({ host, port: 6543, user: `postgres.${REF}` })).toEqual({
        kind: 'other',
      });
  });
});

describe('advice', () => {
  it('fills the ref into the Session pooler URL and never a password', () => {
    expect(sessionPoolerUrl(REF)).toBe(
      `postgresql://postgres.${REF}:<password>@aws-0-<region>.pooler.supabase.com:5432/postgres`,
    );
    const advice = useSessionPoolerAdvice(REF);
    expect(advice).toContain(sessionPoolerUrl(REF));
    expect(advice).toContain('Connect → Session pooler');
    expect(advice).toContain('IPv6');
  });

  it('names the expected pooler user form, or the ref it could not find', () => {
    const pooler = 'aws-0-us-east-1.pooler.supabase.com';
    expect(poolerUserAdvice({ host: pooler, port: 5432, user: 'postgres' })).toMatch(
      /must be postgres\.<ref>.*not "postgres"/,
    );
    expect(poolerUserAdvice({ host: pooler, port: 5432, user: `postgres.${REF}` })).toContain(
      `no project "${REF}"`,
    );
    expect(poolerUserAdvice({ host: 'localhost', port: 5432, user: 'postgres' })).toBe('');
  });
});

describe('sessionModeConnection', () => {
  it('moves a Supabase URL on 6543 to 5432 on the same host, keeping everything else', () => {
    const conn = url(
      `postgresql://postgres.${REF}:${encodeURIComponent(PASSWORD)}@aws-0-eu-central-1.pooler.supabase.com:6543/postgres?sslmode=require`,
    );
    const moved = sessionModeConnection(conn);
    expect(moved?.conn).toEqual({ ...conn, port: 5432 });
    expect(moved?.notice).toContain('transaction pooler');
    expect(moved?.notice).not.toContain(PASSWORD);
    // The old dedicated PgBouncer on the direct host: also transaction mode.
    const direct = url(`postgresql://postgres:pw@db.${REF}.supabase.co:6543/postgres`);
    expect(sessionModeConnection(direct)?.conn.port).toBe(5432);
  });

  it('changes nothing in session mode or for other hosts', () => {
    expect(
      sessionModeConnection(
        url(`postgresql://postgres.${REF}:pw@aws-0-x.pooler.supabase.com:5432/postgres`),
      ),
    ).toBeNull();
    expect(sessionModeConnection(url('postgresql://u:pw@my-bouncer.example:6543/db'))).toBeNull();
  });
});
