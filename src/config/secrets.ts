/**
 * Connection URLs from the environment. The URL is a secret: no message here quotes it or any
 * part of it (only the scheme and parameter names, which are not secret).
 */
import { SecretError } from '../errors.js';
import type { ProjectConfig } from './types.js';

export interface Connection {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  /** extra libpq params from the URL query, e.g. sslmode */
  params: Record<string, string>;
}

/** URL query parameters passed on to libpq, and the environment variable each becomes. */
const PARAM_ENV: Readonly<Record<string, string>> = {
  sslmode: 'PGSSLMODE',
  sslrootcert: 'PGSSLROOTCERT',
  sslcert: 'PGSSLCERT',
  sslkey: 'PGSSLKEY',
  sslcrl: 'PGSSLCRL',
  connect_timeout: 'PGCONNECT_TIMEOUT',
  application_name: 'PGAPPNAME',
  options: 'PGOPTIONS',
  // The address to connect to, the host name kept for TLS and messages (libpq's hostaddr).
  hostaddr: 'PGHOSTADDR',
  target_session_attrs: 'PGTARGETSESSIONATTRS',
  channel_binding: 'PGCHANNELBINDING',
  gssencmode: 'PGGSSENCMODE',
};
/** Query parameters that override parts of the URL, as libpq does (host=/path for a socket). */
const URL_PARTS = ['host', 'port', 'user', 'password', 'dbname'] as const;
const PRISMA = ['pgbouncer', 'connection_limit', 'pool_timeout', 'schema', 'statement_cache_size'];
const KNOWN_SCHEMES = ['mysql', 'mariadb', 'http', 'https', 'mongodb', 'redis', 'sqlite'];
const FORM = 'postgresql://USER:PASSWORD@HOST:5432/DATABASE';

/** host[:port] or [ipv6][:port], then /database, then ?query; no fragment. */
const AFTER_AT = /^(\[[^\]]*\](?::[^/?#@[\]]*)?|[^/?#@[\]]*)(\/[^?#]*)?(?:\?([^#]*))?$/;

/**
 * Reads env[project.db_url_secret] and parses it. SecretError (naming the variable, never
 * showing the value) when it is missing, empty or not a postgres URL.
 */
export function resolveConnection(
  project: ProjectConfig,
  env: Record<string, string | undefined>,
): Connection {
  const name = project.db_url_secret;
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') {
    const state =
      raw === undefined
        ? `environment variable ${name} is not set`
        : `environment variable ${name} is empty (does the repository or environment have a ` +
          `secret named ${name}? Pull requests from forks get no secrets)`;
    throw new SecretError(
      `${state}; project "${project.name}" reads its connection URL from it (db_url_secret). ` +
        `Pass it from the workflow step:\nenv:\n  ${name}: \${{ secrets.${name} }}\n` +
        `or, running the CLI locally: export ${name}='${FORM}'`,
    );
  }
  return parseConnectionUrl(raw, `${name} (db_url_secret of project "${project.name}")`);
}

/** Parses a postgres:// or postgresql:// URL; `source` names where it came from in messages. */
export function parseConnectionUrl(rawUrl: string, source: string): Connection {
  return parse(rawUrl, source).conn;
}

/** libpq environment for a child process. Unknown params -> SecretError naming the parameter. */
export function libpqEnv(conn: Connection): Record<string, string> {
  const env: Record<string, string> = {};
  if (conn.host) env.PGHOST = conn.host;
  env.PGPORT = String(conn.port);
  if (conn.user) env.PGUSER = conn.user;
  if (conn.password) env.PGPASSWORD = conn.password;
  env.PGDATABASE = conn.database;
  for (const [key, value] of Object.entries(conn.params)) {
    const variable = PARAM_ENV[key];
    if (variable === undefined) throw unknownParam(key, 'the connection URL');
    env[variable] = value;
  }
  return env;
}

/** The URL with the password replaced by *** (for logs and dry-run plans). */
export function displayUrl(conn: Connection): string {
  const user = conn.user ? encodeURIComponent(conn.user) + (conn.password ? ':***' : '') + '@' : '';
  const host = conn.host.includes(':') ? `[${conn.host}]` : conn.host;
  const query = Object.entries(conn.params)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .join('&');
  const db = encodeURIComponent(conn.database);
  return `postgresql://${user}${host}:${conn.port}/${db}${query ? `?${query}` : ''}`;
}

/** Every string to mask: the URL as given (and trimmed), the password raw, encoded, decoded. */
export function secretsOf(conn: Connection, rawUrl: string): string[] {
  const out = new Set<string>([rawUrl, rawUrl.trim()]);
  if (conn.password) {
    out.add(conn.password);
    out.add(encodeURIComponent(conn.password));
    try {
      out.add(parse(rawUrl, 'the URL').rawPassword);
    } catch {
      // rawUrl is not the URL conn came from: the forms above are what there is
    }
  }
  return [...out].filter((s) => s.length > 0);
}

function parse(rawUrl: string, source: string): { conn: Connection; rawPassword: string } {
  const fail = (what: string) =>
    new SecretError(`${source} ${what}; expected ${FORM} (percent-encode special characters)`);
  const url = rawUrl.trim();
  if (url.includes('[YOUR-PASSWORD]')) {
    throw fail('still contains the [YOUR-PASSWORD] placeholder; put the database password there');
  }
  const scheme = /^([A-Za-z][A-Za-z0-9+.:-]{0,30}):\/\//.exec(url);
  const name = scheme?.[1]?.toLowerCase();
  if (!scheme || (name !== 'postgres' && name !== 'postgresql')) {
    // Only a well-known scheme is named: an unknown "scheme" may be a piece of the secret.
    const what =
      name === undefined
        ? /\bhost\s*=/.test(url)
          ? 'is a keyword/value connection string'
          : 'does not start with postgresql://'
        : name.startsWith('jdbc:')
          ? 'has a "jdbc:" prefix; drop it'
          : /^postgres(ql)?\+/.test(name)
            ? 'names a driver ("postgresql+..."); drop the "+driver" part'
            : KNOWN_SCHEMES.includes(name)
              ? `uses the "${name}" scheme`
              : 'uses another scheme';
    throw fail(`is not a postgres:// or postgresql:// URL (it ${what})`);
  }
  const rest = url.slice(scheme[0].length);

  // Userinfo ends at the LAST "@" after which a valid host/path/query follows, so that a
  // password with a literal "@" (or "/", "?", "#") still parses.
  const ats = [...rest.matchAll(/@/g)].map((m) => m.index).reverse();
  let at = -1;
  let m: RegExpExecArray | null = null;
  for (const i of [...ats, -1]) {
    m = AFTER_AT.exec(rest.slice(i + 1));
    if (m) {
      at = i;
      break;
    }
  }
  if (!m) throw fail('has no valid host part');
  const userinfo = at >= 0 ? rest.slice(0, at) : '';
  const colon = userinfo.indexOf(':');
  const rawUser = colon >= 0 ? userinfo.slice(0, colon) : userinfo;
  let rawPassword = colon >= 0 ? userinfo.slice(colon + 1) : '';
  const decode = (s: string, what: string) => percentDecode(s, () => fail(`has a bad ${what}`));

  const hostPort = m[1] ?? '';
  if (hostPort.includes(',')) throw fail('lists several hosts; only one is supported');
  const bracket = /^\[([^\]]*)\](?::(.*))?$/.exec(hostPort);
  let host: string;
  let port: string;
  if (bracket) [host, port] = [bracket[1] ?? '', bracket[2] ?? ''];
  else {
    const parts = hostPort.split(':');
    if (parts.length > 2) throw fail('has an IPv6 host without [brackets]');
    [host, port] = [parts[0] ?? '', parts[1] ?? ''];
  }
  const fields: Record<(typeof URL_PARTS)[number], string> = {
    host: decode(host, 'host'),
    port,
    user: decode(rawUser, 'user name'),
    password: decode(rawPassword, 'password (percent-encoded bytes that are not UTF-8)'),
    dbname: decode((m[2] ?? '').slice(1), 'database name'),
  };

  const params: [string, string][] = [];
  for (const item of (m[3] ?? '').split('&').filter((s) => s !== '')) {
    const eq = item.indexOf('=');
    const key = decode(eq >= 0 ? item.slice(0, eq) : item, 'query parameter');
    if (eq < 0) throw unknownParam(key, source, 'has no value');
    const value = decode(item.slice(eq + 1), 'query parameter value');
    if (key === 'password') rawPassword = item.slice(eq + 1);
    if ((URL_PARTS as readonly string[]).includes(key)) fields[key as keyof typeof fields] = value;
    else if (PARAM_ENV[key] !== undefined) params.push([key, value]);
    else throw unknownParam(key, source);
  }

  if (fields.host.includes(',')) throw fail('lists several hosts; only one is supported');
  if (fields.host === '') throw fail('has no host');
  const portNumber = fields.port === '' ? 5432 : Number(fields.port);
  if (!/^\d{0,5}$/.test(fields.port) || portNumber < 1 || portNumber > 65535) {
    throw fail('has an invalid port (expected 1-65535)');
  }
  const conn: Connection = {
    host: fields.host,
    port: portNumber,
    user: fields.user,
    password: fields.password,
    database: fields.dbname || 'postgres',
    params: Object.fromEntries(params),
  };
  return { conn, rawPassword };
}

/** Decodes %XX runs as UTF-8; a "%" not followed by two hex digits stays literal. */
function percentDecode(s: string, bad: () => Error): string {
  return s.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      throw bad();
    }
  });
}

function unknownParam(key: string, source: string, problem = 'is not supported'): SecretError {
  // Only a plausible parameter name is shown: anything else may be a piece of the password.
  const shown = /^[A-Za-z_][A-Za-z0-9_]{0,40}$/.test(key) ? `"${key}"` : '(name not shown)';
  const prisma = PRISMA.includes(key) ? ' (a Prisma option, not a libpq one: remove it)' : '';
  return new SecretError(
    `${source}: connection parameter ${shown} ${problem}${prisma}; supported: ` +
      [...Object.keys(PARAM_ENV), ...URL_PARTS].join(', '),
  );
}
