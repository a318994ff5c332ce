/**
 * A comparable picture of a database, for round-trip tests: catalog definitions (as the server
 * deparses them, with search_path '' so every name is qualified), row counts and content
 * hashes, sequence positions, roles and memberships. Oids, restore times and role passwords
 * (unreadable on Supabase, so never dumped) are left out.
 *
 * Scope: definitions in every non-system schema (platform schemas included, so that user
 * policies on storage.objects or triggers on auth.users count); table data and sequences in
 * user schemas plus auth and storage (minus their migration tables), as Supabase's data dump
 * has them; roles other than Supabase's reserved ones.
 *
 * Across major versions everything compares except view bodies: PG16+ deparses view columns
 * without table qualifiers (`SELECT id` vs 15's `SELECT orders.id`).
 */
import type { Cluster } from './pg-cluster.js';

/** Schemas maintained by the platform: no table data or sequence positions compared there. */
export const PLATFORM_SCHEMAS = [
  'auth', 'storage', 'extensions', 'realtime', 'vault', 'graphql', 'graphql_public', 'pgbouncer',
  'supabase_functions', 'supabase_migrations', '_analytics', '_realtime', '_supavisor', 'cron',
  'net', 'pgsodium', 'pgsodium_masks', 'pgtle', 'pgmq', 'repack', 'topology', 'etl',
]; // prettier-ignore
/** Roles Supabase reserves (its role dump comments them out), plus PostgreSQL's own. */
export const RESERVED_ROLES =
  '^(anon|authenticated|authenticator|dashboard_user|pgbouncer|postgres|service_role|' +
  'supabase_.*|cli_login_.*|pgsodium_.*|pgtle_admin|pg_.*)$';
/** Platform tables whose data Supabase's data dump leaves out. */
const SKIPPED_DATA = ['auth.schema_migrations', 'storage.migrations'];

const list = (items: string[]) => items.map((s) => `'${s}'`).join(', ');
const SYSTEM = (n: string) => `${n}.nspname ~ '^(pg_catalog|information_schema|pg_toast|pg_temp_)'`;
const NON_SYSTEM = (n: string) => `NOT ${SYSTEM(n)}`;
const DATA_SCHEMA = (n: string) =>
  `(${NON_SYSTEM(n)} AND (${n}.nspname IN ('auth', 'storage') OR ${n}.nspname NOT IN (${list(PLATFORM_SCHEMAS)})))`;
const NOT_EXT = (cls: string, oid: string) =>
  `NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = '${cls}'::regclass AND d.objid = ${oid} AND d.deptype = 'e')`;
const PRIVS = `ARRAY['INSERT', 'SELECT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER', 'EXECUTE',
  'USAGE', 'CREATE', 'CONNECT', 'TEMPORARY', 'SET', 'ALTER SYSTEM']`;
/**
 * An ACL as sorted `grantee=privs/grantor` text. NULL (the built-in default) is made explicit
 * so both spellings compare; PG17's MAINTAIN is left out, so that GRANT ALL restored from 15
 * onto 17 (arwdDxt becoming arwdDxtm) compares equal.
 */
const ACL = (acl: string) => `coalesce((SELECT string_agg(g, ',' ORDER BY g COLLATE "C") FROM (
    SELECT CASE e.grantee WHEN 0 THEN '' ELSE quote_ident(pg_get_userbyid(e.grantee)) END || '=' || string_agg(
      substr('arwdDxtXUCcTsA', array_position(${PRIVS}, e.privilege_type), 1) || CASE WHEN e.is_grantable THEN '*' ELSE '' END,
      '' ORDER BY array_position(${PRIVS}, e.privilege_type)) || '/' || quote_ident(pg_get_userbyid(e.grantor)) AS g
    FROM aclexplode(${acl}) e WHERE e.privilege_type <> 'MAINTAIN' GROUP BY e.grantee, e.grantor) x), '-')`;
const ACL_OR_DEFAULT = (acl: string, kind: string, owner: string) =>
  ACL(`coalesce(${acl}, acldefault('${kind}', ${owner}))`);
const REL = `FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace`;

/** Each query yields (k, v): one entry of its category. */
const CATEGORY_SQL = {
  schemas: `SELECT quote_ident(n.nspname) AS k, 'owner=' || pg_get_userbyid(n.nspowner) || ' acl=' || ${ACL_OR_DEFAULT('n.nspacl', 'n', 'n.nspowner')} AS v
    FROM pg_namespace n WHERE ${NON_SYSTEM('n')}`,
  extensions: `SELECT e.extname, 'schema=' || e.extnamespace::regnamespace::text FROM pg_extension e`,
  roles: `SELECT quote_ident(r.rolname), format('login=%s super=%s inherit=%s createrole=%s createdb=%s replication=%s bypassrls=%s connlimit=%s valid_until=%s config=%s',
      r.rolcanlogin, r.rolsuper, r.rolinherit, r.rolcreaterole, r.rolcreatedb, r.rolreplication, r.rolbypassrls, r.rolconnlimit,
      coalesce(r.rolvaliduntil::text, '-'), coalesce((SELECT string_agg(s, ',' ORDER BY s) FROM unnest(r.rolconfig) s), '-'))
    FROM pg_roles r WHERE r.rolname !~ '${RESERVED_ROLES}'`,
  memberships: `SELECT quote_ident(m.rolname) || ' in ' || quote_ident(r.rolname), 'admin=' || bool_or(am.admin_option)
    FROM pg_auth_members am JOIN pg_roles r ON r.oid = am.roleid JOIN pg_roles m ON m.oid = am.member
    WHERE m.rolname !~ '${RESERVED_ROLES}' OR r.rolname !~ '${RESERVED_ROLES}' GROUP BY 1`,
  tables: `SELECT c.oid::regclass::text, format('kind=%s owner=%s rls=%s force_rls=%s replica_identity=%s acl=%s',
      c.relkind, pg_get_userbyid(c.relowner), c.relrowsecurity, c.relforcerowsecurity, c.relreplident, ${ACL_OR_DEFAULT('c.relacl', 'r', 'c.relowner')})
      || coalesce(' partitioned by ' || pg_get_partkeydef(c.oid), '')
      || coalesce(' partition of ' || (SELECT string_agg(i.inhparent::regclass::text, ',') FROM pg_inherits i WHERE i.inhrelid = c.oid)
         || ' ' || pg_get_expr(c.relpartbound, c.oid), '')
    ${REL} WHERE c.relkind IN ('r', 'p', 'f') AND ${NON_SYSTEM('n')} AND ${NOT_EXT('pg_class', 'c.oid')}`,
  columns: `SELECT c.oid::regclass::text || '.' || quote_ident(a.attname),
      '#' || row_number() OVER (PARTITION BY c.oid ORDER BY a.attnum) || ' ' || format_type(a.atttypid, a.atttypmod)
      || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END
      || coalesce(CASE WHEN a.attgenerated = 's' THEN ' generated=' ELSE ' default=' END || pg_get_expr(ad.adbin, ad.adrelid), '')
      || CASE WHEN c.relispartition THEN '' ELSE CASE a.attidentity WHEN 'a' THEN ' identity=always' WHEN 'd' THEN ' identity=by default' ELSE '' END END
      || CASE WHEN a.attacl IS NULL THEN '' ELSE ' acl=' || ${ACL('a.attacl')} END
    ${REL} JOIN pg_attribute a ON a.attrelid = c.oid LEFT JOIN pg_attrdef ad ON ad.adrelid = c.oid AND ad.adnum = a.attnum
    WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
      AND ${NON_SYSTEM('n')} AND ${NOT_EXT('pg_class', 'c.oid')}`,
  constraints: `SELECT coalesce(c.conrelid::regclass::text, c.contypid::regtype::text) || ' ' || quote_ident(c.conname),
      pg_get_constraintdef(c.oid) || CASE WHEN c.convalidated THEN '' ELSE ' (not validated)' END
    FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace WHERE ${NON_SYSTEM('n')}`,
  indexes: `SELECT c.oid::regclass::text, pg_get_indexdef(c.oid) ${REL} WHERE c.relkind IN ('i', 'I') AND ${NON_SYSTEM('n')}`,
  sequences: `SELECT c.oid::regclass::text, format('type=%s start=%s increment=%s min=%s max=%s cache=%s cycle=%s owned_by=%s owner=%s acl=%s',
      format_type(s.seqtypid, NULL), s.seqstart, s.seqincrement, s.seqmin, s.seqmax, s.seqcache, s.seqcycle,
      coalesce((SELECT d.refobjid::regclass::text || '.' || quote_ident(a.attname) FROM pg_depend d JOIN pg_attribute a
        ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
        AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')), '-'),
      pg_get_userbyid(c.relowner), ${ACL_OR_DEFAULT('c.relacl', 's', 'c.relowner')})
    ${REL} JOIN pg_sequence s ON s.seqrelid = c.oid WHERE ${NON_SYSTEM('n')}`,
  views: `SELECT c.oid::regclass::text, format('kind=%s populated=%s owner=%s options=%s acl=%s', c.relkind, c.relispopulated,
      pg_get_userbyid(c.relowner), coalesce(array_to_string(c.reloptions, ','), '-'), ${ACL_OR_DEFAULT('c.relacl', 'r', 'c.relowner')})
      || E'\\n' || pg_get_viewdef(c.oid)
    ${REL} WHERE c.relkind IN ('v', 'm') AND ${NON_SYSTEM('n')} AND ${NOT_EXT('pg_class', 'c.oid')}`,
  functions: `SELECT p.oid::regprocedure::text, 'owner=' || pg_get_userbyid(p.proowner) || ' acl=' || ${ACL_OR_DEFAULT('p.proacl', 'f', 'p.proowner')}
      || E'\\n' || pg_get_functiondef(p.oid)
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE p.prokind IN ('f', 'p', 'w') AND ${NON_SYSTEM('n')} AND ${NOT_EXT('pg_proc', 'p.oid')}`,
  triggers: `SELECT t.tgrelid::regclass::text || ': ' || quote_ident(t.tgname), pg_get_triggerdef(t.oid) || ' enabled=' || t.tgenabled::text
    FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE NOT t.tgisinternal AND ${NON_SYSTEM('n')}`,
  policies: `SELECT quote_ident(p.schemaname) || '.' || quote_ident(p.tablename) || ': ' || p.policyname,
      p.permissive || ' ' || p.cmd || ' to ' || (SELECT string_agg(r, ',' ORDER BY r) FROM unnest(p.roles) r)
      || coalesce(' using (' || p.qual || ')', '') || coalesce(' check (' || p.with_check || ')', '')
    FROM pg_policies p JOIN pg_namespace n ON n.nspname = p.schemaname WHERE ${NON_SYSTEM('n')}`,
  types: `SELECT t.oid::regtype::text, 'owner=' || pg_get_userbyid(t.typowner) || ' ' || CASE t.typtype
      WHEN 'e' THEN 'enum ' || (SELECT string_agg(quote_literal(e.enumlabel), ', ' ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid)
      WHEN 'd' THEN 'domain over ' || format_type(t.typbasetype, t.typtypmod) || CASE WHEN t.typnotnull THEN ' not null' ELSE '' END
        || coalesce(' default ' || t.typdefault, '')
      ELSE 'composite (' || (SELECT string_agg(quote_ident(a.attname) || ' ' || format_type(a.atttypid, a.atttypmod), ', ' ORDER BY a.attnum)
        FROM pg_attribute a WHERE a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped) || ')' END
    FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace LEFT JOIN pg_class c ON c.oid = t.typrelid
    WHERE (t.typtype IN ('e', 'd') OR c.relkind = 'c') AND ${NON_SYSTEM('n')} AND ${NOT_EXT('pg_type', 't.oid')}`,
  comments: `SELECT pg_describe_object(d.classoid, d.objoid, d.objsubid), d.description FROM pg_description d WHERE d.objoid >= 16384`,
  default_privileges: `SELECT pg_get_userbyid(d.defaclrole) || ' in ' || CASE d.defaclnamespace WHEN 0 THEN '*'
      ELSE d.defaclnamespace::regnamespace::text END || ' on ' || d.defaclobjtype::text,
      ${ACL('d.defaclacl')}
    FROM pg_default_acl d`,
  publications: `SELECT p.pubname, format('all_tables=%s insert=%s update=%s delete=%s truncate=%s tables=%s',
      p.puballtables, p.pubinsert, p.pubupdate, p.pubdelete, p.pubtruncate, coalesce((SELECT string_agg(
        quote_ident(t.schemaname) || '.' || quote_ident(t.tablename), ',' ORDER BY 1) FROM pg_publication_tables t WHERE t.pubname = p.pubname), '-'))
    FROM pg_publication p`,
  /** What phase two reads: (relation, 'table' | 'sequence'). */
  data_targets: `SELECT c.oid::regclass::text, CASE c.relkind WHEN 'S' THEN 'sequence' ELSE 'table' END ${REL}
    WHERE ((c.relkind IN ('r', 'p', 'S') AND ${DATA_SCHEMA('n')}) OR (c.relkind = 'm' AND c.relispopulated AND ${NON_SYSTEM('n')}))
      AND c.oid::regclass::text NOT IN (${list(SKIPPED_DATA)}) AND ${NOT_EXT('pg_class', 'c.oid')}`,
};

export type Category = Exclude<keyof typeof CATEGORY_SQL, 'data_targets'> | 'data';
/** category -> object key -> description; `data` holds rows+hash per table/populated MV and sequence positions. */
export type DbSnapshot = Record<Category, Record<string, string>>;

const SESSION = `SET search_path = ''; SET TimeZone = 'UTC'; SET DateStyle = 'ISO, MDY'; SET IntervalStyle = 'postgres';
SET extra_float_digits = 1; SET bytea_output = 'hex'; SET jit = off;\n`;
const literal = (s: string) => `'${s.replace(/'/g, "''")}'`;
const asJsonObject = (sql: string) =>
  `SELECT coalesce(json_object_agg(q.k, q.v), '{}') FROM (${sql}) q(k, v);`;

function sorted(obj: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(obj).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export async function snapshot(cluster: Cluster, db: string): Promise<DbSnapshot> {
  const names = Object.keys(CATEGORY_SQL) as (keyof typeof CATEGORY_SQL)[];
  const out = await cluster.psql(
    SESSION + names.map((n) => asJsonObject(CATEGORY_SQL[n])).join('\n'),
    db,
  );
  const lines = out.split('\n');
  if (lines.length !== names.length)
    throw new Error(`snapshot: expected ${names.length} lines, got ${lines.length}`);
  const parsed = Object.fromEntries(
    names.map((n, i) => [n, JSON.parse(lines[i] as string) as Record<string, string>]),
  );
  const { data_targets: targets = {}, ...catalog } = parsed;

  const reads = Object.entries(targets).map(([rel, kind]) =>
    kind === 'sequence'
      ? `SELECT ${literal(rel)}, (SELECT 'last_value=' || last_value || ' is_called=' || is_called FROM ${rel})`
      : `SELECT ${literal(rel)}, (SELECT 'rows=' || count(*) || ' md5=' || coalesce(md5(string_agg(__r::text, E'\\n'
           ORDER BY __r::text COLLATE "C")), '-') FROM ${rel} __r)`,
  );
  const data = reads.length
    ? (JSON.parse(
        await cluster.psql(SESSION + asJsonObject(reads.join('\nUNION ALL\n')), db),
      ) as Record<string, string>)
    : {};
  const result = { ...catalog, data } as DbSnapshot;
  for (const key of Object.keys(result) as Category[]) result[key] = sorted(result[key]);
  return result;
}

/** Where two long values part: the first differing line of each. */
function explain(expected: string, actual: string): string {
  if (expected.length + actual.length < 300 && !expected.includes('\n') && !actual.includes('\n')) {
    return `expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`;
  }
  const e = expected.split('\n');
  const a = actual.split('\n');
  let i = 0;
  while (i < e.length && e[i] === a[i]) i++;
  const clip = (s: string | undefined) =>
    s === undefined ? '<end>' : JSON.stringify(s.slice(0, 200));
  return `line ${i + 1}: expected ${clip(e[i])}, got ${clip(a[i])}`;
}

/** Human-readable differences, one string per difference; [] when equal. */
export function diffSnapshots(expected: DbSnapshot, actual: DbSnapshot): string[] {
  const diffs: string[] = [];
  const categories = [
    ...new Set([...Object.keys(expected), ...Object.keys(actual)]),
  ].sort() as Category[];
  for (const category of categories) {
    const e = expected[category] ?? {};
    const a = actual[category] ?? {};
    for (const key of [...new Set([...Object.keys(e), ...Object.keys(a)])].sort()) {
      const ev = e[key];
      const av = a[key];
      if (ev === av) continue;
      const short = (v: string) => JSON.stringify(v.length > 120 ? `${v.slice(0, 120)}…` : v);
      if (av === undefined)
        diffs.push(`${category}: ${key}: missing (expected ${short(ev as string)})`);
      else if (ev === undefined) diffs.push(`${category}: ${key}: unexpected (${short(av)})`);
      else diffs.push(`${category}: ${key}: ${explain(ev, av)}`);
    }
  }
  return diffs;
}
