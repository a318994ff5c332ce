/**
 * Catalog queries behind extras.ts. Each returns json and builds its SQL with format()/quote_ident
 * so that quoting is the server's own.
 */
import {
  ATTACHABLE_PLATFORM_SCHEMAS,
  PLATFORM_SCHEMAS_SCHEMA_DUMP,
  RESERVED_ROLES,
} from './platform-schemas.js';

const list = (names: string[]) => names.map((n) => `'${n}'`).join(', ');
const attachable = list(ATTACHABLE_PLATFORM_SCHEMAS);
/** The schema dump's exclusion patterns (pg_dump style, `*` = any) as one anchored regex. */
const platformSchemaRe = `^(${PLATFORM_SCHEMAS_SCHEMA_DUMP.map((p) => p.replace(/\*/g, '.*')).join('|')})$`;
const reservedRe = `^(${RESERVED_ROLES.join('|')})$`;

/**
 * schema filter on a namespace alias: the user schemas the schema dump contains. The configured
 * list is never SQL text: the query reads it from the psql variable `schemas` (schemaVars).
 */
function userSchemaFilter(alias: string, schemas: string[] | undefined): string {
  const base = `${alias}.nspname !~ '${platformSchemaRe}'`;
  return schemas
    ? `${base} and ${alias}.nspname in (select json_array_elements_text(:'schemas'::json))`
    : base;
}

/** The psql variables the userSchemaFilter queries need. */
export function schemaVars(schemas: string[] | undefined): Record<string, string> {
  return schemas ? { schemas: JSON.stringify(schemas) } : {};
}

// User policies on platform tables, recreated idempotently (a new project may have a same-named one).
export const POLICIES_SQL = `
select coalesce(json_agg(json_build_object(
  'name', format('%I.%I: %s', p.schemaname, p.tablename, p.policyname),
  'sql', format('DROP POLICY IF EXISTS %I ON %I.%I;', p.policyname, p.schemaname, p.tablename) || E'\\n' ||
         format('CREATE POLICY %I ON %I.%I AS %s FOR %s TO %s', p.policyname, p.schemaname, p.tablename,
                p.permissive, p.cmd,
                (select string_agg(case when r = 'public' then 'public' else quote_ident(r) end, ', ') from unnest(p.roles) r))
         || case when p.qual is null then '' else ' USING (' || p.qual || ')' end
         || case when p.with_check is null then '' else ' WITH CHECK (' || p.with_check || ')' end || ';'
         || case when d.description is null then ''
                 else E'\\n' || format('COMMENT ON POLICY %I ON %I.%I IS %L;', p.policyname, p.schemaname, p.tablename, d.description) end
) order by p.schemaname, p.tablename, p.policyname), '[]')
from pg_policies p
join pg_policy pp on pp.polname = p.policyname
  and pp.polrelid = format('%I.%I', p.schemaname, p.tablename)::regclass
left join pg_description d on d.objoid = pp.oid and d.classoid = 'pg_policy'::regclass
where p.schemaname in (${attachable})`;

// Triggers on platform tables that call a function outside the platform schemas: the user's own.
export const TRIGGERS_SQL = `
select coalesce(json_agg(json_build_object(
  'name', format('%I.%I: %s', n.nspname, c.relname, t.tgname),
  'sql', regexp_replace(pg_get_triggerdef(t.oid), '^CREATE (CONSTRAINT )?TRIGGER', 'CREATE OR REPLACE \\1TRIGGER') || ';'
         || case when d.description is null then ''
                 else E'\\n' || format('COMMENT ON TRIGGER %I ON %I.%I IS %L;', t.tgname, n.nspname, c.relname, d.description) end
) order by n.nspname, c.relname, t.tgname), '[]')
from pg_trigger t
join pg_class c on c.oid = t.tgrelid
join pg_namespace n on n.oid = c.relnamespace
join pg_proc f on f.oid = t.tgfoid
join pg_namespace fn on fn.oid = f.pronamespace
left join pg_description d on d.objoid = t.oid and d.classoid = 'pg_trigger'::regclass
where not t.tgisinternal
  and n.nspname in (${attachable})
  and fn.nspname !~ '${platformSchemaRe}'`;

// Custom roles granted to platform roles (e.g. GRANT app_role TO authenticator, so the API can
// switch to it); the official roles filter drops every grant to a reserved role.
export const MEMBERSHIPS_SQL = `
select coalesce(json_agg(format('GRANT %I TO %I%s;', r.rolname, m.rolname,
                                case when am.admin_option then ' WITH ADMIN OPTION' else '' end)
                         order by r.rolname, m.rolname), '[]')
from pg_auth_members am
join pg_roles r on r.oid = am.roleid
join pg_roles m on m.oid = am.member
where r.rolname !~ '${reservedRe}' and r.rolname !~ '^pg_' and m.rolname ~ '${reservedRe}'`;

// Privileges the source does NOT grant to roles that a new project's default privileges would
// grant (anon, authenticated, service_role): without these REVOKEs a restore silently hands
// back access the user had taken away.
export function revokesSql(schemas: string[] | undefined, serverMajor: number): string {
  const tableTypes = ['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER'];
  if (serverMajor >= 17) tableTypes.push('MAINTAIN');
  return `
with grantees as (
  select distinct a.grantee from pg_default_acl d, aclexplode(d.defaclacl) a where a.grantee <> 0
), objs as (
  select format('%s %I.%I', case c.relkind when 'S' then 'SEQUENCE' else 'TABLE' end, n.nspname, c.relname) as obj,
         case c.relkind when 'S' then array['USAGE','SELECT','UPDATE'] else array[${list(tableTypes)}] end as types,
         coalesce(c.relacl, acldefault((case c.relkind when 'S' then 's' else 'r' end)::"char", c.relowner)) as acl, c.relowner as owner
  from pg_class c join pg_namespace n on n.oid = c.relnamespace
  where c.relkind in ('r','p','v','m','f','S') and ${userSchemaFilter('n', schemas)}
    and not exists (select 1 from pg_depend e where e.classid = 'pg_class'::regclass and e.objid = c.oid and e.deptype = 'e')
  union all
  select format('%s %I.%I(%s)', case p.prokind when 'p' then 'PROCEDURE' else 'FUNCTION' end, n.nspname, p.proname,
                pg_get_function_identity_arguments(p.oid)),
         array['EXECUTE'], coalesce(p.proacl, acldefault('f'::"char", p.proowner)), p.proowner
  from pg_proc p join pg_namespace n on n.oid = p.pronamespace
  where p.prokind in ('f','p') and ${userSchemaFilter('n', schemas)}
    and not exists (select 1 from pg_depend e where e.classid = 'pg_proc'::regclass and e.objid = p.oid and e.deptype = 'e')
), held as (
  select o.obj, o.types, g.grantee,
         array(select a.privilege_type from aclexplode(o.acl) a where a.grantee = g.grantee) as have
  from objs o cross join grantees g where g.grantee <> o.owner
)
select coalesce(json_agg(
  case when cardinality(have) = 0 then format('REVOKE ALL ON %s FROM %I;', obj, pg_get_userbyid(grantee))
       else format('REVOKE %s ON %s FROM %I;', array_to_string(array(select unnest(types) except select unnest(have)), ', '),
                   obj, pg_get_userbyid(grantee)) end
  order by obj, pg_get_userbyid(grantee)), '[]')
from held
where not (types <@ have)`;
}

// Populated materialized views in dumped schemas, with the other materialized views each reads.
export function matviewsSql(schemas: string[] | undefined): string {
  return `
select coalesce(json_agg(json_build_object(
  'name', format('%I.%I', n.nspname, c.relname),
  'deps', (select coalesce(json_agg(distinct format('%I.%I', dn.nspname, dc.relname)), '[]')
           from pg_rewrite r
           join pg_depend d on d.classid = 'pg_rewrite'::regclass and d.objid = r.oid
           join pg_class dc on dc.oid = d.refobjid and dc.relkind = 'm' and dc.oid <> c.oid
           join pg_namespace dn on dn.oid = dc.relnamespace
           where r.ev_class = c.oid)
) order by n.nspname, c.relname), '[]')
from pg_class c join pg_namespace n on n.oid = c.relnamespace
where c.relkind = 'm' and c.relispopulated and ${userSchemaFilter('n', schemas)}`;
}

export const VAULT_SQL = `
select case when to_regclass('vault.secrets') is null then 0
            else (xpath('/row/c/text()', query_to_xml('select count(*) as c from vault.secrets', false, true, '')))[1]::text::int end`;
