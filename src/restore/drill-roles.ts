/**
 * Who is who in a drill's throwaway cluster (docs/security.md, "Restoring a set"). As on
 * Supabase, the bootstrap superuser is `supabase_admin` and `postgres` is not a superuser: the
 * superuser loads the base, then the set's parts are applied, and read back, as `postgres`, so
 * that a hostile set's SQL cannot reach the drilling machine (COPY ... TO PROGRAM, server-side
 * files, C functions, ALTER SYSTEM all need a superuser or a pg_*_server_* role).
 *
 * `postgres` gets what a restore needs, as on Supabase: LOGIN CREATEROLE CREATEDB BYPASSRLS
 * (and REPLICATION from 16), the database (so `public`, through pg_database_owner), membership
 * WITH ADMIN OPTION in the platform roles, pg_read_all_data, SET on session_replication_role,
 * the supabase_realtime publication and supabase_migrations.schema_migrations, and every
 * privilege on the platform schemas' tables and sequences (a data part fills auth, storage...).
 * No role it can become is a superuser or a pg_*_server_* role, and only it keeps CREATEROLE:
 * the platform roles that have it on Supabase lose it here. From 16 it becomes a member (SET,
 * INHERIT) of each role it creates, so that objects can be given to them.
 *
 * On 15 and older, CREATEROLE would let it grant itself pg_execute_server_program: there it
 * keeps CREATEROLE only for the roles part, which must then be what pg_dumpall writes
 * (drill-roles-check.ts); right after it, it joins the roles that part created and drops
 * CREATEROLE, before any schema or data SQL runs.
 */

export const DRILL_SUPERUSER = 'supabase_admin';

/**
 * Predefined roles a set's roles part may grant in a drill (users give them to reporting and
 * monitoring roles): none reaches files, programs or the network outside the drill's cluster.
 * Never the pg_*_server_* roles, nor pg_create_subscription (it connects out).
 */
export const GRANTABLE_PREDEFINED = [
  'pg_read_all_data',
  'pg_write_all_data',
  'pg_monitor',
  'pg_read_all_settings',
  'pg_read_all_stats',
  'pg_stat_scan_tables',
  'pg_signal_backend',
  'pg_checkpoint',
  'pg_maintain',
  'pg_use_reserved_connections',
];
export const DRILL_ROLE = 'postgres';

/** Platform roles `postgres` is a member of, WITH ADMIN OPTION (not pgbouncer: get_auth). */
const PLATFORM_ROLES = [
  'anon',
  'authenticated',
  'service_role',
  'authenticator',
  'supabase_auth_admin',
  'supabase_storage_admin',
  'supabase_realtime_admin',
  'supabase_functions_admin',
  'supabase_replication_admin',
  'supabase_read_only_user',
  'dashboard_user',
];
const PLATFORM_SCHEMAS = [
  'auth',
  'storage',
  'realtime',
  'vault',
  'supabase_functions',
  'supabase_migrations',
  'cron',
];

/** As the superuser, before the base: the restoring role, owner of the database. */
export function drillRoleSql(password: string, major: number): string {
  if (!/^[A-Za-z0-9_-]+$/.test(password)) throw new Error('unexpected drill password');
  const replication = major >= 16 ? ' REPLICATION' : '';
  return `CREATE ROLE postgres LOGIN CREATEROLE CREATEDB BYPASSRLS${replication} PASSWORD '${password}';
ALTER DATABASE postgres OWNER TO postgres;
`;
}

/** As the superuser, after the base: what a restore needs, then a check of the whole model. */
export function drillGrantsSql(major: number): string {
  const schemas = PLATFORM_SCHEMAS.join("', '");
  return `SET client_min_messages = warning;
${forEachRole(PLATFORM_ROLES, ['ALTER ROLE %I NOCREATEROLE', 'GRANT %I TO postgres WITH ADMIN OPTION'])}
DO $drill$
BEGIN
  IF EXISTS (SELECT FROM pg_catalog.pg_available_extensions WHERE name = 'pg_stat_statements') THEN
    CREATE EXTENSION IF NOT EXISTS pg_stat_statements WITH SCHEMA extensions;
  END IF;
END
$drill$;
GRANT pg_read_all_data TO postgres;
GRANT SET ON PARAMETER session_replication_role TO postgres;
ALTER PUBLICATION supabase_realtime OWNER TO postgres;
ALTER TABLE supabase_migrations.schema_migrations OWNER TO postgres;
DO $drill$
DECLARE
  s text;
BEGIN
  FOREACH s IN ARRAY ARRAY['${schemas}'] LOOP
    IF EXISTS (SELECT FROM pg_catalog.pg_namespace WHERE nspname = s) THEN
      EXECUTE format('GRANT USAGE ON SCHEMA %I TO postgres', s);
      EXECUTE format('GRANT ALL ON ALL TABLES IN SCHEMA %I TO postgres', s);
      EXECUTE format('GRANT ALL ON ALL SEQUENCES IN SCHEMA %I TO postgres', s);
    END IF;
  END LOOP;
END
$drill$;
${major >= 16 ? GRANTABLE_SQL : ''}${MODEL_CHECK}`;
}

/** A DO block running each `format` statement (the role as %I) for the roles the server has. */
function forEachRole(roles: string[], statements: string[]): string {
  return `DO $drill$
DECLARE
  r text;
BEGIN
  FOREACH r IN ARRAY ARRAY['${roles.join("', '")}'] LOOP
    IF EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = r) THEN
${statements.map((st) => `      EXECUTE format('${st}', r);`).join('\n')}
    END IF;
  END LOOP;
END
$drill$;`;
}

/**
 * From 16, granting a role needs ADMIN OPTION on it: `postgres` gets it on the grantable
 * predefined roles this server has, without their privileges (INHERIT FALSE, SET FALSE).
 */
const GRANTABLE_SQL = `ALTER ROLE postgres SET createrole_self_grant = 'set, inherit';
${forEachRole(GRANTABLE_PREDEFINED, ['GRANT %I TO postgres WITH ADMIN OPTION, INHERIT FALSE, SET FALSE'])}
`;

/**
 * Refuses to go on when `postgres` could become a superuser or a pg_*_server_* role, another
 * role it can become has CREATEROLE, or it can run a superuser's SECURITY DEFINER function
 * that does not pin its search_path (a change to the base must not open one of these).
 */
const MODEL_CHECK = `DO $check$
DECLARE
  bad text;
BEGIN
  SELECT string_agg(rolname, ', ') INTO bad FROM pg_catalog.pg_roles r
  WHERE pg_catalog.pg_has_role('postgres', r.oid, 'MEMBER')
    AND (r.rolsuper OR r.rolname IN ('pg_execute_server_program', 'pg_read_server_files',
      'pg_write_server_files') OR (r.rolcreaterole AND r.rolname <> 'postgres'));
  IF bad IS NOT NULL THEN
    RAISE EXCEPTION 'drill role model: postgres can become %', bad;
  END IF;
  SELECT string_agg(p.oid::regprocedure::text, ', ') INTO bad
  FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_roles o ON o.oid = p.proowner
  WHERE p.prosecdef AND o.rolsuper
    AND pg_catalog.has_function_privilege('postgres', p.oid, 'EXECUTE')
    AND NOT coalesce(p.proconfig::text LIKE '%search_path=%', false);
  IF bad IS NOT NULL THEN
    RAISE EXCEPTION 'drill role model: postgres can run the superuser''s SECURITY DEFINER %', bad;
  END IF;
END
$check$;
`;

/**
 * As `postgres`, in the restore's transaction right after the roles part (or first, without
 * one), on 15 and older: join the roles it created (none has CREATEROLE: the roles check),
 * but the platform roles, check the model again, then drop CREATEROLE.
 */
export function afterRolesSql(major: number): string[] {
  if (major >= 16) return [];
  return [
    `DO $drill$
DECLARE
  r text;
BEGIN
  FOR r IN SELECT rolname FROM pg_catalog.pg_roles
    WHERE NOT rolsuper AND NOT rolcreaterole AND rolname !~ '^pg_'
      AND rolname <> ALL (ARRAY['${[...PLATFORM_ROLES, 'pgbouncer'].join("', '")}'])
      AND NOT pg_catalog.pg_has_role('postgres', oid, 'MEMBER')
  LOOP
    EXECUTE pg_catalog.format('GRANT %I TO postgres', r);
  END LOOP;
END
$drill$`,
    MODEL_CHECK.replace(/;\n$/, ''),
    'ALTER ROLE postgres NOCREATEROLE',
  ];
}
