import { describe, expect, it } from 'vitest';
import {
  displayUrl,
  libpqEnv,
  parseConnectionUrl,
  resolveConnection,
  secretsOf,
  type Connection,
} from '../../src/config/secrets.js';
import type { ProjectConfig } from '../../src/config/types.js';
import { parseConfig } from '../../src/config/load.js';
import { configuredSecretNames } from '../../src/backup/database.js';
import { SecretError } from '../../src/errors.js';

const project: ProjectConfig = {
  name: 'prod',
  db_url_secret: 'PROD_DB_URL',
  parts: ['roles', 'schema', 'data'],
  exclude_tables: [],
  engine: 'supabase-cli',
  supabase_cli_version: '3.1.0',
  destinations: ['local'],
  branch: 'supabase-backups',
  artifact_prefix: 'supabase-backup',
  allow_unencrypted_public: false,
};
const AWKWARD = `p@ss:w/o?r#d%&+'"\\ü`;
const POOLER_USER = 'postgres.abcdefghijklmnopqrst';
const POOLER_URL =
  `postgresql://${POOLER_USER}:${encodeURIComponent(AWKWARD)}` +
  '@aws-0-eu-central-1.pooler.supabase.com:6543/postgres?sslmode=require';

const resolve = (url: string | undefined) => resolveConnection(project, { PROD_DB_URL: url });
/** The SecretError thrown by fn (fails the test if none). */
function secretError(fn: () => unknown): SecretError {
  try {
    fn();
  } catch (err) {
    if (err instanceof SecretError) return err;
    throw err;
  }
  throw new Error('expected a SecretError');
}

describe('resolveConnection', () => {
  it('decodes a pooler user and an awkward percent-encoded password; reads sslmode', () => {
    expect(resolve(POOLER_URL)).toEqual({
      host: 'aws-0-eu-central-1.pooler.supabase.com',
      port: 6543,
      user: POOLER_USER,
      password: AWKWARD,
      database: 'postgres',
      params: { sslmode: 'require' },
    });
  });

  it('splits userinfo at the last "@", so literal @ / ? # in a password work', () => {
    const conn = resolve('postgres://postgres:p@ss/w?o#rd@db.example.com/app');
    expect(conn).toMatchObject({
      host: 'db.example.com',
      port: 5432,
      user: 'postgres',
      password: 'p@ss/w?o#rd',
      database: 'app',
    });
  });

  it('defaults port 5432 and database postgres; trims whitespace around the value', () => {
    expect(resolve('  postgresql://u:pw@localhost\n')).toEqual({
      host: 'localhost',
      port: 5432,
      user: 'u',
      password: 'pw',
      database: 'postgres',
      params: {},
    });
    expect(resolve('postgresql://u@localhost:5433/')).toMatchObject({ password: '', port: 5433 });
  });

  it('handles IPv6 hosts in brackets, with and without a port', () => {
    expect(resolve('postgresql://postgres:pw@[::1]:6543/my%20db')).toMatchObject({
      host: '::1',
      port: 6543,
      database: 'my db',
    });
    expect(resolve('postgresql://postgres:pw@[2001:db8::1]/postgres')).toMatchObject({
      host: '2001:db8::1',
      port: 5432,
    });
  });

  it('keeps a "%" that is not an escape, decodes unicode escapes', () => {
    expect(resolve('postgresql://u:100%ok%C3%BC@h/d').password).toBe('100%okü');
  });

  it('takes host, port and dbname query parameters as libpq does (unix sockets)', () => {
    expect(
      resolve('postgresql://postgres@/app?host=%2Fvar%2Frun%2Fpostgresql&port=5433'),
    ).toMatchObject({ host: '/var/run/postgresql', port: 5433, database: 'app', params: {} });
  });

  it('missing or empty: names the variable and shows how to pass it from the workflow', () => {
    for (const value of [undefined, '', '  ']) {
      const err = secretError(() => resolve(value));
      expect(err.kind).toBe('secret');
      expect(err.message).toContain('PROD_DB_URL');
      expect(err.message).toContain('project "prod"');
      expect(err.message).toContain('env:\n  PROD_DB_URL: ${{ secrets.PROD_DB_URL }}');
    }
    expect(secretError(() => resolve(undefined)).message).toMatch(/PROD_DB_URL is not set/);
    expect(secretError(() => resolve('')).message).toMatch(/PROD_DB_URL is empty/);
  });

  it('a value that is not a usable postgres URL: says what is wrong, never shows the value', () => {
    const secret = 'S3cr3t-Pa55';
    const bad: [string, RegExp][] = [
      [
        `mysql://root:${secret}@db.internal/app`,
        /not a postgres:\/\/ or postgresql:\/\/ URL \(it uses the "mysql" scheme\)/,
      ],
      [`host=db.internal user=postgres password=${secret}`, /keyword\/value connection string/],
      [`${secret}`, /does not start with postgresql:\/\//],
      [`jdbc:postgresql://db.internal/app?password=${secret}`, /"jdbc:" prefix/],
      [`postgresql+psycopg2://u:${secret}@db.internal/app`, /drop the "\+driver" part/],
      [`${secret}://u@db.internal/app`, /it uses another scheme/],
      [`postgresql://u:${secret}@db.internal:99999/app`, /invalid port/],
      [`postgresql://u:${secret}@db.internal:54x/app`, /invalid port/],
      [`postgresql://u:${secret}%C3@db.internal/app`, /bad password/],
      [`postgresql://u:${secret}@/app`, /has no host/],
      [`postgresql://u:${secret}@h1:5432,h2:5432/app`, /several hosts/],
      [`postgresql://u:${secret}@::1/app`, /IPv6 host without \[brackets\]/],
      [
        `postgresql://u:${secret}@db.internal/app?pgbouncer=true&connection_limit=${secret}`,
        /parameter "pgbouncer" is not supported \(a Prisma option/,
      ],
      [`postgresql://u:${secret}@db.internal/app?sslmode`, /parameter "sslmode" has no value/],
      [
        `postgresql://postgres:[YOUR-PASSWORD]@db.abcdefghijklmnopqrst.supabase.co:5432/postgres`,
        /\[YOUR-PASSWORD\] placeholder/,
      ],
    ];
    for (const [url, expected] of bad) {
      const err = secretError(() => resolve(url));
      expect(err.message).toMatch(expected);
      expect(err.message).toContain('PROD_DB_URL');
      expect(err.message).not.toContain(secret);
      expect(err.message).not.toContain(url);
      expect(err.message).not.toContain('db.internal');
    }
  });
});

describe('parseConnectionUrl', () => {
  it('names the given source in messages', () => {
    expect(() => parseConnectionUrl('nope', '--target-url')).toThrow(
      /^--target-url is not a postgres/,
    );
  });
});

describe('libpqEnv', () => {
  it('maps the connection and its parameters to PG* variables', () => {
    const conn = resolve(
      `${POOLER_URL}&sslrootcert=%2Fetc%2Fca.pem&connect_timeout=10&application_name=backup` +
        '&options=-c%20statement_timeout%3D0&target_session_attrs=read-write',
    );
    expect(libpqEnv(conn)).toEqual({
      PGHOST: 'aws-0-eu-central-1.pooler.supabase.com',
      PGPORT: '6543',
      PGUSER: POOLER_USER,
      PGPASSWORD: AWKWARD,
      PGDATABASE: 'postgres',
      PGSSLMODE: 'require',
      PGSSLROOTCERT: '/etc/ca.pem',
      PGCONNECT_TIMEOUT: '10',
      PGAPPNAME: 'backup',
      PGOPTIONS: '-c statement_timeout=0',
      PGTARGETSESSIONATTRS: 'read-write',
    });
  });

  it('leaves out an empty password', () => {
    expect(libpqEnv(resolve('postgresql://u@h/d'))).toEqual({
      PGHOST: 'h',
      PGPORT: '5432',
      PGUSER: 'u',
      PGDATABASE: 'd',
    });
  });

  it('an unknown parameter is a SecretError naming it, not its value', () => {
    const conn: Connection = {
      host: 'h',
      port: 5432,
      user: 'u',
      password: 'pw',
      database: 'd',
      params: { krbsrvname: 'value-XYZ' },
    };
    const err = secretError(() => libpqEnv(conn));
    expect(err.message).toMatch(/parameter "krbsrvname" is not supported; supported: sslmode,/);
    expect(err.message).not.toContain('value-XYZ');
  });
});

describe('displayUrl', () => {
  it('replaces the password with ***', () => {
    const shown = displayUrl(resolve(POOLER_URL));
    expect(shown).toBe(
      `postgresql://${POOLER_USER}:***@aws-0-eu-central-1.pooler.supabase.com:6543/postgres?sslmode=require`,
    );
    expect(shown).not.toContain(encodeURIComponent(AWKWARD));
  });

  it('brackets IPv6 hosts and shows no *** without a password', () => {
    const conn = resolve('postgresql://postgres@[::1]:6543/app');
    expect(displayUrl(conn)).toBe('postgresql://postgres@[::1]:6543/app');
    expect(displayUrl({ ...conn, password: 'x' })).toBe('postgresql://postgres:***@[::1]:6543/app');
  });
});

describe('secretsOf', () => {
  it('lists the URL and the password raw, percent-encoded and as written in the URL', () => {
    const raw = `postgresql://u:${encodeURIComponent(AWKWARD).replace('%40', '@')}@h/d\n`;
    const conn = resolve(raw);
    expect(conn.password).toBe(AWKWARD);
    const secrets = secretsOf(conn, raw);
    expect(secrets).toContain(raw);
    expect(secrets).toContain(raw.trim());
    expect(secrets).toContain(AWKWARD);
    expect(secrets).toContain(encodeURIComponent(AWKWARD));
    expect(secrets).toContain(encodeURIComponent(AWKWARD).replace('%40', '@'));
    expect(secrets.every((s) => s.length > 0)).toBe(true);
  });

  it('is just the URL when there is no password', () => {
    const raw = 'postgresql://u@h/d';
    expect(secretsOf(resolve(raw), raw)).toEqual([raw]);
  });
});

describe('configuredSecretNames', () => {
  it('names every *_secret of every project, defaults included, and no values', () => {
    const config = parseConfig(
      [
        'version: 1',
        'defaults:',
        '  alerts: {issues: true, webhook_url_secret: HOOK_URL}',
        'projects:',
        '  - name: a',
        '    db_url_secret: A_DB_URL',
        '    encryption: {recipients_secret: A_RECIPIENTS}',
        '    parts: [roles, schema, data, storage]',
        '    storage:',
        '      buckets: all',
        '      s3_endpoint: https://abcdefghijklmnopqrst.supabase.co/storage/v1/s3',
        '      region: eu-central-1',
        '      access_key_id_secret: A_S3_KEY',
        '      secret_access_key_secret: A_S3_SECRET',
        '  - name: b',
        '    db_url_secret: B_DB_URL',
      ].join('\n'),
      'backups.config.yaml',
    );
    expect(configuredSecretNames(config).sort()).toEqual(
      [
        'A_DB_URL',
        'A_RECIPIENTS',
        'A_S3_KEY',
        'A_S3_SECRET',
        'B_DB_URL',
        'HOOK_URL',
        'HOOK_URL',
      ].sort(),
    );
  });
});
