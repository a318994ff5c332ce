/**
 * Objects users attach to platform tables (policies on storage.objects, triggers on auth.users)
 * and materialized view contents: the official dump loses them, so we capture them as SQL
 * appended to schema.sql and data.sql. Queries build the SQL with format() so quoting is the
 * server's own.
 */
import { ATTACHABLE_PLATFORM_SCHEMAS } from './platform-schemas.js';
import { queryJson, type PsqlTarget } from './query.js';

export interface Extras {
  /** SQL appended to schema.sql. */
  schemaSql: string;
  /** SQL appended to data.sql. */
  dataSql: string;
  policies: string[];
  triggers: string[];
  /** Populated materialized views, dependency order, as schema.name. */
  materializedViews: string[];
  warnings: string[];
}

const schemaList = (names: string[]) => names.map((n) => `'${n}'`).join(', ');

// User policies on platform tables, recreated idempotently (a new project may have a same-named one).
const POLICIES_SQL = `
select coalesce(json_agg(json_build_object(
  'name', format('%I.%I: %s', p.schemaname, p.tablename, p.policyname),
  'sql', format('DROP POLICY IF EXISTS %I ON %I.%I;', p.policyname, p.schemaname, p.tablename) || E'\\n' ||
         format('CREATE POLICY %I ON %I.%I AS %s FOR %s TO %s', p.policyname, p.schemaname, p.tablename,
                p.permissive, p.cmd,
                (select string_agg(case when r = 'public' then 'public' else quote_ident(r) end, ', ') from unnest(p.roles) r))
         || coalesce(format(' USING (%s)', p.qual), '') || coalesce(format(' WITH CHECK (%s)', p.with_check), '') || ';'
) order by p.schemaname, p.tablename, p.policyname), '[]')
from pg_policies p
where p.schemaname in (${schemaList(ATTACHABLE_PLATFORM_SCHEMAS)})`;

// Triggers on platform tables that call a function outside the platform schemas: the user's own.
const TRIGGERS_SQL = `
select coalesce(json_agg(json_build_object(
  'name', format('%I.%I: %s', n.nspname, c.relname, t.tgname),
  'sql', regexp_replace(pg_get_triggerdef(t.oid), '^CREATE (CONSTRAINT )?TRIGGER', 'CREATE OR REPLACE \\1TRIGGER') || ';'
) order by n.nspname, c.relname, t.tgname), '[]')
from pg_trigger t
join pg_class c on c.oid = t.tgrelid
join pg_namespace n on n.oid = c.relnamespace
join pg_proc f on f.oid = t.tgfoid
join pg_namespace fn on fn.oid = f.pronamespace
where not t.tgisinternal
  and n.nspname in (${schemaList(ATTACHABLE_PLATFORM_SCHEMAS)})
  and fn.nspname not in (${schemaList(ATTACHABLE_PLATFORM_SCHEMAS)}, 'pg_catalog', 'extensions', 'supabase_functions', 'vault', 'pgsodium')`;

// Populated materialized views in dumped schemas, with the other materialized views each reads.
const MATVIEWS_SQL = `
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
where c.relkind = 'm' and c.relispopulated
  and n.nspname not like 'pg\\_%' and n.nspname <> 'information_schema'`;

const VAULT_SQL = `
select case when to_regclass('vault.secrets') is null then 0
            else (xpath('/row/c/text()', query_to_xml('select count(*) as c from vault.secrets', false, true, '')))[1]::text::int end`;

/** Orders materialized views so that each comes after the ones it reads. */
export function orderMatviews(views: { name: string; deps: string[] }[]): string[] {
  const byName = new Map(views.map((v) => [v.name, v]));
  const done = new Set<string>();
  const out: string[] = [];
  const visit = (name: string, path: Set<string>) => {
    if (done.has(name) || path.has(name)) return;
    const v = byName.get(name);
    if (!v) return; // depends on an unpopulated view: it stays unpopulated
    path.add(name);
    for (const d of v.deps) visit(d, path);
    path.delete(name);
    done.add(name);
    out.push(name);
  };
  for (const v of views) visit(v.name, new Set());
  return out;
}

export function inSchemas(qualified: string, schemas: string[] | undefined): boolean {
  if (!schemas) return true;
  const schema = qualified.startsWith('"')
    ? qualified.slice(1, qualified.indexOf('"', 1))
    : qualified.split('.')[0];
  return schemas.includes(schema ?? '');
}

export async function collectExtras(
  target: PsqlTarget,
  schemas: string[] | undefined,
): Promise<Extras> {
  const policies = await queryJson<{ name: string; sql: string }[]>(target, POLICIES_SQL);
  const triggers = await queryJson<{ name: string; sql: string }[]>(target, TRIGGERS_SQL);
  const views = await queryJson<{ name: string; deps: string[] }[]>(target, MATVIEWS_SQL);
  const vaultSecrets = await queryJson<number>(target, VAULT_SQL);
  const materializedViews = orderMatviews(views).filter((v) => inSchemas(v, schemas));

  const section = (title: string, items: { sql: string }[]) =>
    items.length === 0
      ? ''
      : `\n-- ${title} (captured by supabase-backup)\n${items.map((i) => i.sql).join('\n')}\n`;
  const warnings: string[] = [];
  if (vaultSecrets > 0) {
    warnings.push(
      `vault.secrets holds ${vaultSecrets} secret(s) that are not backed up: they are encrypted with a key only the source project has; recreate them in the restored project`,
    );
  }
  return {
    schemaSql:
      section('policies on platform tables', policies) +
      section('triggers on platform tables', triggers),
    dataSql: section(
      'materialized view contents',
      materializedViews.map((v) => ({ sql: `REFRESH MATERIALIZED VIEW ${v};` })),
    ),
    policies: policies.map((p) => p.name),
    triggers: triggers.map((t) => t.name),
    materializedViews,
    warnings,
  };
}
