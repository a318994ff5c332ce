/**
 * What a new Supabase project's database holds before its user does anything, reduced to what a
 * restore needs: the platform roles, the auth/storage/realtime/vault/extensions/... schemas and
 * the tables, functions and grants a new project has (from supabase/postgres' init scripts and
 * the auth, storage and realtime services' first migrations). The drill loads it into its
 * throwaway cluster before restoring a set; the tests, the demo and the benchmark build their
 * Supabase-shaped databases from it too (`supabase-backup base-sql` prints it), so what is
 * drilled and what is tested is one text.
 *
 * Reduced on purpose: auth.users and storage.objects have the columns of those first migrations;
 * a set from a project whose platform tables have newer columns fails the drill at the COPY that
 * names them (the error says which).
 */
export const SUPABASE_BASE_SQL = String.raw`-- What a NEW Supabase project's database holds before its user does anything: a faithful,
-- reduced version of supabase/postgres' init scripts plus the auth, storage and realtime
-- services' first migrations. Run with psql -v ON_ERROR_STOP=1 as a superuser into a fresh
-- database: "postgres" in the tests' clusters, "supabase_admin" in a drill's (which then restores
-- as a non-superuser "postgres", as on Supabase). Roles are cluster-wide, so they are created
-- only when missing: several databases of one cluster may each get this base.
--
-- Differences from a real project, on purpose: outside drills "postgres" is the real superuser
-- and supabase_admin is not, vault.secrets holds plain text, there are no event triggers,
-- pg_graphql, pg_net or pgsodium (not in PG 15's contrib), and
-- supabase_functions.http_request() records webhook calls instead of sending them.

SET client_min_messages = warning;

-- Roles ----------------------------------------------------------------------------------------
-- One transaction holding a cluster-wide lock (pg_authid is a shared catalog), so that several
-- databases loading this base concurrently neither race on CREATE ROLE nor on GRANT.
DO $roles$
DECLARE
  spec text[];
BEGIN
  LOCK TABLE pg_catalog.pg_authid IN SHARE ROW EXCLUSIVE MODE;
  FOREACH spec SLICE 1 IN ARRAY ARRAY[
    ['anon', 'NOLOGIN NOINHERIT'],
    ['authenticated', 'NOLOGIN NOINHERIT'],
    ['service_role', 'NOLOGIN NOINHERIT BYPASSRLS'],
    ['authenticator', 'LOGIN NOINHERIT'],
    ['supabase_admin', 'LOGIN CREATEROLE CREATEDB REPLICATION BYPASSRLS'],
    ['supabase_auth_admin', 'LOGIN NOINHERIT CREATEROLE'],
    ['supabase_storage_admin', 'LOGIN NOINHERIT CREATEROLE'],
    ['supabase_realtime_admin', 'NOLOGIN NOINHERIT'],
    ['supabase_functions_admin', 'LOGIN NOINHERIT CREATEROLE'],
    ['supabase_replication_admin', 'LOGIN REPLICATION'],
    ['supabase_read_only_user', 'LOGIN BYPASSRLS'],
    ['dashboard_user', 'NOLOGIN CREATEROLE CREATEDB REPLICATION'],
    ['pgbouncer', 'LOGIN']
  ] LOOP
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = spec[1]) THEN
      EXECUTE format('CREATE ROLE %I %s', spec[1], spec[2]);
    END IF;
  END LOOP;
  GRANT anon, authenticated, service_role TO authenticator;
  GRANT pg_read_all_data TO supabase_read_only_user;
  GRANT authenticated, anon TO supabase_storage_admin;
  ALTER ROLE anon SET statement_timeout = '3s';
  ALTER ROLE authenticated SET statement_timeout = '8s';
  ALTER ROLE supabase_auth_admin SET search_path = auth;
  ALTER ROLE supabase_storage_admin SET search_path = storage;
END
$roles$;

-- Database-level settings (role-level on the platform; per database here, so that other
-- databases of the test cluster are not affected).
DO $db$
BEGIN
  EXECUTE format('ALTER DATABASE %I SET search_path TO "$user", public, extensions',
    current_database());
END
$db$;
SET search_path TO "$user", public, extensions;

-- Schemas and extensions -----------------------------------------------------------------------
CREATE SCHEMA extensions AUTHORIZATION postgres;
CREATE EXTENSION IF NOT EXISTS "uuid-ossp" WITH SCHEMA extensions;
CREATE EXTENSION IF NOT EXISTS pgcrypto WITH SCHEMA extensions;
CREATE SCHEMA auth AUTHORIZATION supabase_auth_admin;
CREATE SCHEMA storage AUTHORIZATION supabase_storage_admin;
CREATE SCHEMA realtime AUTHORIZATION supabase_admin;
CREATE SCHEMA vault AUTHORIZATION supabase_admin;
CREATE SCHEMA graphql AUTHORIZATION supabase_admin;
CREATE SCHEMA graphql_public AUTHORIZATION supabase_admin;
CREATE SCHEMA supabase_migrations AUTHORIZATION postgres;
CREATE SCHEMA supabase_functions AUTHORIZATION supabase_admin;
CREATE SCHEMA pgbouncer AUTHORIZATION pgbouncer;
COMMENT ON SCHEMA public IS 'standard public schema';
COMMENT ON SCHEMA auth IS 'Auth: Stores user login data within a secure schema.';

GRANT USAGE ON SCHEMA public, extensions, auth, storage, graphql_public
  TO postgres, anon, authenticated, service_role;
GRANT ALL ON SCHEMA auth TO supabase_auth_admin, dashboard_user, postgres;
GRANT ALL ON SCHEMA storage TO supabase_storage_admin, dashboard_user, postgres;
GRANT USAGE ON SCHEMA realtime TO postgres, anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES FOR ROLE postgres IN SCHEMA public
  GRANT ALL ON TABLES TO postgres, anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES FOR ROLE postgres IN SCHEMA public
  GRANT ALL ON FUNCTIONS TO postgres, anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES FOR ROLE postgres IN SCHEMA public
  GRANT ALL ON SEQUENCES TO postgres, anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES FOR ROLE supabase_admin IN SCHEMA public
  GRANT ALL ON TABLES TO postgres, anon, authenticated, service_role;

CREATE PUBLICATION supabase_realtime;

-- auth -----------------------------------------------------------------------------------------
CREATE TABLE auth.users (
  instance_id uuid,
  id uuid NOT NULL PRIMARY KEY,
  aud varchar(255),
  role varchar(255),
  email varchar(255),
  encrypted_password varchar(255),
  email_confirmed_at timestamptz,
  invited_at timestamptz,
  confirmation_token varchar(255),
  confirmation_sent_at timestamptz,
  recovery_token varchar(255),
  recovery_sent_at timestamptz,
  last_sign_in_at timestamptz,
  raw_app_meta_data jsonb,
  raw_user_meta_data jsonb,
  is_super_admin boolean,
  created_at timestamptz,
  updated_at timestamptz,
  phone text UNIQUE DEFAULT NULL,
  phone_confirmed_at timestamptz,
  confirmed_at timestamptz GENERATED ALWAYS AS (LEAST(email_confirmed_at, phone_confirmed_at)) STORED,
  banned_until timestamptz,
  deleted_at timestamptz,
  is_sso_user boolean NOT NULL DEFAULT false,
  is_anonymous boolean NOT NULL DEFAULT false
);
CREATE INDEX users_instance_id_idx ON auth.users (instance_id);
CREATE UNIQUE INDEX users_email_partial_key ON auth.users (email) WHERE is_sso_user = false;
CREATE INDEX users_is_anonymous_idx ON auth.users (is_anonymous);
COMMENT ON TABLE auth.users IS 'Auth: Stores user login data within a secure schema.';

CREATE TABLE auth.identities (
  provider_id text NOT NULL,
  user_id uuid NOT NULL REFERENCES auth.users (id) ON DELETE CASCADE,
  identity_data jsonb NOT NULL,
  provider text NOT NULL,
  last_sign_in_at timestamptz,
  created_at timestamptz,
  updated_at timestamptz,
  email text GENERATED ALWAYS AS (lower(identity_data ->> 'email')) STORED,
  id uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
  CONSTRAINT identities_provider_id_provider_unique UNIQUE (provider_id, provider)
);
CREATE INDEX identities_user_id_idx ON auth.identities (user_id);

CREATE TABLE auth.refresh_tokens (
  instance_id uuid,
  id bigserial PRIMARY KEY,
  token varchar(255) UNIQUE,
  user_id varchar(255),
  revoked boolean,
  created_at timestamptz,
  updated_at timestamptz,
  parent varchar(255)
);

CREATE TABLE auth.audit_log_entries (
  instance_id uuid,
  id uuid NOT NULL PRIMARY KEY,
  payload json,
  created_at timestamptz,
  ip_address varchar(64) NOT NULL DEFAULT ''
);

CREATE TABLE auth.schema_migrations (version varchar(255) NOT NULL PRIMARY KEY);
INSERT INTO auth.schema_migrations (version) VALUES
  ('20171026211738'), ('20171026211808'), ('20171026211834'), ('20180103212743'),
  ('20221208132122'), ('20240115144230'), ('20240427152123');

CREATE FUNCTION auth.uid() RETURNS uuid LANGUAGE sql STABLE AS $$
  SELECT coalesce(
    nullif(current_setting('request.jwt.claim.sub', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')
  )::uuid
$$;
CREATE FUNCTION auth.role() RETURNS text LANGUAGE sql STABLE AS $$
  SELECT coalesce(
    nullif(current_setting('request.jwt.claim.role', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'role')
  )::text
$$;
CREATE FUNCTION auth.email() RETURNS text LANGUAGE sql STABLE AS $$
  SELECT coalesce(
    nullif(current_setting('request.jwt.claim.email', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'email')
  )::text
$$;
CREATE FUNCTION auth.jwt() RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT coalesce(
    nullif(current_setting('request.jwt.claim', true), ''),
    nullif(current_setting('request.jwt.claims', true), '')
  )::jsonb
$$;
COMMENT ON FUNCTION auth.uid() IS 'Deprecated. Use auth.jwt() -> ''sub'' instead.';

ALTER TABLE auth.users OWNER TO supabase_auth_admin;
ALTER TABLE auth.identities OWNER TO supabase_auth_admin;
ALTER TABLE auth.refresh_tokens OWNER TO supabase_auth_admin;
ALTER TABLE auth.audit_log_entries OWNER TO supabase_auth_admin;
ALTER TABLE auth.schema_migrations OWNER TO supabase_auth_admin;
ALTER FUNCTION auth.uid() OWNER TO supabase_auth_admin;
ALTER FUNCTION auth.role() OWNER TO supabase_auth_admin;
ALTER FUNCTION auth.email() OWNER TO supabase_auth_admin;
ALTER FUNCTION auth.jwt() OWNER TO supabase_auth_admin;
GRANT ALL ON ALL TABLES IN SCHEMA auth TO dashboard_user, postgres;
GRANT ALL ON ALL SEQUENCES IN SCHEMA auth TO dashboard_user, postgres;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA auth TO anon, authenticated, service_role;

-- storage --------------------------------------------------------------------------------------
CREATE TABLE storage.buckets (
  id text NOT NULL PRIMARY KEY,
  name text NOT NULL,
  owner uuid,
  created_at timestamptz DEFAULT now(),
  updated_at timestamptz DEFAULT now(),
  public boolean DEFAULT false,
  avif_autodetection boolean DEFAULT false,
  file_size_limit bigint,
  allowed_mime_types text[],
  owner_id text
);
CREATE UNIQUE INDEX bname ON storage.buckets (name);

CREATE TABLE storage.objects (
  id uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
  bucket_id text REFERENCES storage.buckets (id),
  name text,
  owner uuid,
  created_at timestamptz DEFAULT now(),
  updated_at timestamptz DEFAULT now(),
  last_accessed_at timestamptz DEFAULT now(),
  metadata jsonb,
  path_tokens text[] GENERATED ALWAYS AS (string_to_array(name, '/')) STORED,
  version text,
  owner_id text,
  user_metadata jsonb
);
CREATE UNIQUE INDEX bucketid_objname ON storage.objects (bucket_id, name);
CREATE INDEX name_prefix_search ON storage.objects (name text_pattern_ops);
COMMENT ON COLUMN storage.objects.owner IS 'Field is deprecated, use owner_id instead';

CREATE TABLE storage.migrations (
  id integer PRIMARY KEY,
  name varchar(100) NOT NULL UNIQUE,
  hash varchar(40) NOT NULL,
  executed_at timestamp DEFAULT current_timestamp
);
INSERT INTO storage.migrations (id, name, hash, executed_at) VALUES
  (0, 'create-migrations-table', 'e18db593bcde2aca2a408c4d1100f6abba2195df', '2024-01-01 00:00:00'),
  (1, 'initialmigration', '6ab16121fbaa08bbd11b712d05f358f9b555d777', '2024-01-01 00:00:01'),
  (2, 'storage-schema', '5c7968fd083fcea04050c1b7f6253c9771b99011', '2024-01-01 00:00:02'),
  (3, 'pathtoken-column', '2cb1b0004b817b29d5b0a971af16bafeede4b70d', '2024-01-01 00:00:03');

CREATE FUNCTION storage.foldername(name text) RETURNS text[] LANGUAGE plpgsql AS $$
DECLARE
  _parts text[];
BEGIN
  SELECT string_to_array(name, '/') INTO _parts;
  RETURN _parts[1:array_length(_parts, 1) - 1];
END
$$;
CREATE FUNCTION storage.filename(name text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  _parts text[];
BEGIN
  SELECT string_to_array(name, '/') INTO _parts;
  RETURN _parts[array_length(_parts, 1)];
END
$$;
CREATE FUNCTION storage.extension(name text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  _parts text[];
  _filename text;
BEGIN
  SELECT string_to_array(name, '/') INTO _parts;
  SELECT _parts[array_length(_parts, 1)] INTO _filename;
  RETURN reverse(split_part(reverse(_filename), '.', 1));
END
$$;
CREATE FUNCTION storage.update_updated_at_column() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.updated_at = now();
  RETURN NEW;
END;
$$;
CREATE TRIGGER update_objects_updated_at BEFORE UPDATE ON storage.objects
  FOR EACH ROW EXECUTE FUNCTION storage.update_updated_at_column();

ALTER TABLE storage.buckets ENABLE ROW LEVEL SECURITY;
ALTER TABLE storage.objects ENABLE ROW LEVEL SECURITY;
ALTER TABLE storage.migrations ENABLE ROW LEVEL SECURITY;

ALTER TABLE storage.buckets OWNER TO supabase_storage_admin;
ALTER TABLE storage.objects OWNER TO supabase_storage_admin;
ALTER TABLE storage.migrations OWNER TO supabase_storage_admin;
ALTER FUNCTION storage.foldername(text) OWNER TO supabase_storage_admin;
ALTER FUNCTION storage.filename(text) OWNER TO supabase_storage_admin;
ALTER FUNCTION storage.extension(text) OWNER TO supabase_storage_admin;
ALTER FUNCTION storage.update_updated_at_column() OWNER TO supabase_storage_admin;
GRANT ALL ON ALL TABLES IN SCHEMA storage TO anon, authenticated, service_role, postgres;
GRANT ALL ON ALL FUNCTIONS IN SCHEMA storage TO anon, authenticated, service_role, postgres;

-- realtime -------------------------------------------------------------------------------------
CREATE TABLE realtime.schema_migrations (
  version bigint NOT NULL PRIMARY KEY,
  inserted_at timestamp(0)
);
INSERT INTO realtime.schema_migrations VALUES
  (20211116024918, '2024-01-01 00:00:00'), (20211116045059, '2024-01-01 00:00:00'),
  (20240618124746, '2024-01-01 00:00:00');
CREATE TABLE realtime.messages (
  id bigserial PRIMARY KEY,
  topic text NOT NULL,
  extension text NOT NULL,
  payload jsonb,
  event text,
  private boolean DEFAULT false,
  updated_at timestamp NOT NULL DEFAULT now(),
  inserted_at timestamp NOT NULL DEFAULT now()
);
ALTER TABLE realtime.messages ENABLE ROW LEVEL SECURITY;
ALTER TABLE realtime.schema_migrations OWNER TO supabase_admin;
ALTER TABLE realtime.messages OWNER TO supabase_realtime_admin;
GRANT SELECT, INSERT, UPDATE ON realtime.messages TO postgres, anon, authenticated, service_role;

-- vault (the real table is encrypted by the supabase_vault extension) --------------------------
CREATE TABLE vault.secrets (
  id uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
  name text UNIQUE,
  description text NOT NULL DEFAULT '',
  secret text NOT NULL,
  key_id uuid,
  nonce bytea,
  created_at timestamptz NOT NULL DEFAULT current_timestamp,
  updated_at timestamptz NOT NULL DEFAULT current_timestamp
);
CREATE VIEW vault.decrypted_secrets AS
  SELECT id, name, description, secret, secret AS decrypted_secret, key_id, nonce,
    created_at, updated_at
  FROM vault.secrets;
ALTER TABLE vault.secrets OWNER TO supabase_admin;
ALTER VIEW vault.decrypted_secrets OWNER TO supabase_admin;

-- supabase_functions, supabase_migrations, pgbouncer -------------------------------------------
CREATE TABLE supabase_functions.migrations (
  version text PRIMARY KEY,
  inserted_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO supabase_functions.migrations (version, inserted_at) VALUES
  ('initial', '2024-01-01 00:00:00+00'), ('20210809183423_update_grants', '2024-01-01 00:00:00+00');
CREATE TABLE supabase_functions.hooks (
  id bigserial PRIMARY KEY,
  hook_table_id integer NOT NULL,
  hook_name text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  request_id bigint
);
-- Database webhooks are user triggers calling http_request(url, method, headers, params,
-- timeout_ms). A real project's function sends the request with pg_net; this stand-in (no
-- pg_net here) checks its arguments and records the call in hooks, as the real one does.
CREATE FUNCTION supabase_functions.http_request() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = supabase_functions AS $$
BEGIN
  IF TG_ARGV[0] IS NULL OR TG_ARGV[0] = 'null' THEN
    RAISE EXCEPTION 'url argument is missing';
  END IF;
  IF TG_ARGV[1] IS NULL OR TG_ARGV[1] NOT IN ('GET', 'POST') THEN
    RAISE EXCEPTION 'method argument % is invalid', TG_ARGV[1];
  END IF;
  INSERT INTO supabase_functions.hooks (hook_table_id, hook_name, request_id)
  VALUES (TG_RELID, TG_NAME, NULL);
  RETURN NEW;
END
$$;
ALTER TABLE supabase_functions.migrations OWNER TO supabase_functions_admin;
ALTER TABLE supabase_functions.hooks OWNER TO supabase_functions_admin;
ALTER FUNCTION supabase_functions.http_request() OWNER TO supabase_functions_admin;
REVOKE ALL ON FUNCTION supabase_functions.http_request() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION supabase_functions.http_request()
  TO postgres, anon, authenticated, service_role;
GRANT USAGE ON SCHEMA supabase_functions TO postgres, anon, authenticated, service_role;
GRANT ALL ON SCHEMA supabase_functions TO supabase_functions_admin;
GRANT ALL ON supabase_functions.hooks, supabase_functions.hooks_id_seq TO postgres;

CREATE TABLE supabase_migrations.schema_migrations (
  version text NOT NULL PRIMARY KEY,
  statements text[],
  name text
);

CREATE FUNCTION pgbouncer.get_auth(p_usename text) RETURNS TABLE (username text, password text)
LANGUAGE plpgsql SECURITY DEFINER AS $$
BEGIN
  RAISE DEBUG 'PgBouncer auth request: %', p_usename;
  RETURN QUERY
  SELECT rolname::text, rolpassword::text FROM pg_catalog.pg_authid
  WHERE rolname = p_usename AND rolcanlogin;
END;
$$;
REVOKE ALL ON FUNCTION pgbouncer.get_auth(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pgbouncer.get_auth(text) TO pgbouncer;
`;
