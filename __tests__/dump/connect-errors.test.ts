import { describe, expect, it } from 'vitest';
import { connectionAdvice } from '../../src/dump/connect-errors.js';
import { sessionPoolerUrl } from '../../src/config/supabase-host.js';

const REF = 'abcdefghijklmnopqrst';
const POOLER = 'aws-0-eu-central-1.pooler.supabase.com';
const pooler = { host: POOLER, port: 5432, user: `postgres.${REF}` };
const direct = { host: `db.${REF}.supabase.co`, port: 5432, user: 'postgres' };
const other = { host: 'db.internal.example', port: 5432, user: 'postgres' };

// What psql prints (after query.ts's psqlReason strips "psql: "), word for word.
const at = (host: string, ip: string) =>
  `error: connection to server at "${host}" (${ip}), port 5432 failed:`;
const TENANT = `${at(POOLER, '3.65.151.229')} FATAL:  Tenant or user not found`;
const POOL_FULL = `${at(POOLER, '3.65.151.229')} FATAL:  (EMAXCONNSESSION) max clients reached in session mode - max clients are limited to pool_size: 15`;
const UNREACHABLE = `${at(direct.host, '2600:1f18:2e13:9d2e:fc8f:5d2b:4e58:3d54')} Network is unreachable; Is the server running on that host and accepting TCP/IP connections?`;
const NO_ADDRESS = `error: could not translate host name "${direct.host}" to address: Name or service not known`;
const TIMEOUT = (host: string) => `${at(host, '10.0.0.7')} timeout expired`;

describe('connectionAdvice', () => {
  it('a full session pool is retryable and names the pool size setting', () => {
    const a = connectionAdvice(POOL_FULL, pooler);
    expect(a.poolFull).toBe(true);
    expect(a.advice).toContain('Pool Size');
    expect(connectionAdvice(TENANT, pooler).poolFull).toBe(false);
  });

  it('"Tenant or user not found" names the postgres.<ref> user form', () => {
    expect(connectionAdvice(TENANT, { ...pooler, user: 'postgres' }).advice).toMatch(
      /must be postgres\.<ref>/,
    );
    expect(connectionAdvice(TENANT, pooler).advice).toContain(`no project "${REF}"`);
  });

  it('any failure to reach a direct host gives the Session pooler URL with the ref filled in', () => {
    for (const reason of [UNREACHABLE, NO_ADDRESS, TIMEOUT(direct.host), 'Connection refused']) {
      const a = connectionAdvice(reason, direct);
      expect(a.advice).toContain(sessionPoolerUrl(REF));
      expect(a.poolFull).toBe(false);
    }
    expect(connectionAdvice(NO_ADDRESS, direct).advice).toContain('paused');
  });

  it('a time-out elsewhere names the connect timeout and network restrictions', () => {
    expect(connectionAdvice(TIMEOUT(other.host), other).advice).toMatch(
      /PGCONNECT_TIMEOUT.*Network restrictions/,
    );
  });

  it('knows wrong passwords, transaction poolers, statement time-outs and refused startup options', () => {
    const cases: [string, RegExp][] = [
      [
        `${at(POOLER, '1.2.3.4')} FATAL:  password authentication failed for user "postgres"`,
        /Reset database password/,
      ],
      ['ERROR:  prepared statement "lrupsc_1_0" already exists', /session-mode port/],
      ['ERROR:  canceling statement due to statement timeout', /statement_timeout=0/],
      [
        `${at('bouncer', '1.2.3.4')} FATAL:  unsupported startup parameter: options`,
        /ignore_startup_parameters/,
      ],
    ];
    for (const [reason, advice] of cases)
      expect(connectionAdvice(reason, other).advice).toMatch(advice);
  });

  it('says nothing about a text it does not know', () => {
    expect(connectionAdvice('FATAL:  database "nope" does not exist', other)).toEqual({
      advice: null,
      poolFull: false,
    });
  });
});
