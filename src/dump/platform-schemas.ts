/**
 * What the Supabase platform owns. These lists mirror the Supabase CLI's own exclusions so the
 * pg-dump engine produces the same contract as the default engine.
 */

/** Schemas whose definitions the platform creates on every new project (schema dump skips them). */
export const PLATFORM_SCHEMAS_SCHEMA_DUMP = [
  'information_schema',
  'pg_*',
  '_analytics',
  '_realtime',
  '_supavisor',
  'auth',
  'etl',
  'extensions',
  'pgbouncer',
  'realtime',
  'storage',
  'supabase_functions',
  'supabase_migrations',
  'cron',
  'dbdev',
  'graphql',
  'graphql_public',
  'net',
  'pgmq',
  'pgsodium',
  'pgsodium_masks',
  'pgtle',
  'repack',
  'tiger',
  'tiger_data',
  'timescaledb_*',
  '_timescaledb_*',
  'topology',
  'vault',
];

/** Schemas whose data the platform manages (data dump skips them; auth and storage data are kept). */
export const PLATFORM_SCHEMAS_DATA_DUMP = [
  'information_schema',
  'pg_*',
  'graphql',
  'graphql_public',
  'pgsodium',
  'pgsodium_masks',
  'pgtle',
  'repack',
  'tiger',
  'tiger_data',
  'timescaledb_*',
  '_timescaledb_*',
  'topology',
  'vault',
  'etl',
  'extensions',
  'pgbouncer',
  'realtime',
  'supabase_migrations',
  '_analytics',
  '_realtime',
  '_supavisor',
];

/** Platform migration bookkeeping: never restored over a new project's own. */
export const PLATFORM_TABLES_DATA_DUMP = [
  'auth.schema_migrations',
  'storage.migrations',
  'supabase_functions.migrations',
];

/**
 * pg_cron's tables, which pg_dump writes as extension configuration data when it dumps the
 * extension (the pg-dump engine without a schema list; the CLI's `--schema "*"` never does):
 * the jobs are written as pg_cron calls instead (cron-jobs.ts), the run log is not kept.
 */
export const CRON_TABLES_DATA_DUMP = [
  'cron.job',
  'cron.jobid_seq',
  'cron.job_run_details',
  'cron.runid_seq',
];

/** Roles every project has; the roles part never creates or alters them. */
export const RESERVED_ROLES = [
  'anon',
  'authenticated',
  'authenticator',
  'cli_login_.*',
  'dashboard_user',
  'pgbouncer',
  'postgres',
  'service_role',
  'supabase_.*',
  'pgsodium_keyholder',
  'pgsodium_keyiduser',
  'pgsodium_keymaker',
  'pgtle_admin',
];

/**
 * Platform tables users attach their own objects to (RLS policies on storage.objects, the
 * handle_new_user trigger on auth.users). The official dump loses those; we capture them.
 */
export const ATTACHABLE_PLATFORM_SCHEMAS = ['auth', 'storage', 'realtime'];
