/**
 * What the official dump loses, captured as SQL appended to the parts: user policies and
 * triggers on platform tables and revoked default privileges (schema.sql), custom roles granted
 * to platform roles (roles.sql), and materialized view contents (data.sql).
 */
import {
  MEMBERSHIPS_SQL,
  POLICIES_SQL,
  TRIGGERS_SQL,
  VAULT_SQL,
  matviewsSql,
  revokesSql,
  schemaVars,
} from './extras-sql.js';
import { collectCronJobs, cronWarnings, renderCronJobs } from './cron-jobs.js';
import { collectMigrationHistory, renderMigrationHistory } from './migration-history.js';
import { queryJson, type PsqlTarget } from './query.js';
import { collectWebhooks, type Webhook } from './webhooks.js';

export interface Extras {
  rolesSql: string;
  schemaSql: string;
  dataSql: string;
  /** Populated materialized views, dependency order, as schema.name. */
  materializedViews: string[];
  /** Rows of the Supabase CLI's migration history (supabase_migrations.schema_migrations). */
  migrations: number;
  /** pg_cron jobs written into data.sql. */
  cronJobs: number;
  /** Database webhooks (their triggers are in schema.sql). */
  webhooks: Webhook[];
  warnings: string[];
}

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

function section(title: string, statements: string[]): string {
  return statements.length === 0
    ? ''
    : `\n-- ${title} (added by supabase-backup)\n${statements.join('\n')}\n`;
}

export async function collectExtras(
  target: PsqlTarget,
  schemas: string[] | undefined,
  serverMajor: number,
): Promise<Extras> {
  const policies = await queryJson<{ name: string; sql: string }[]>(target, POLICIES_SQL);
  const triggers = await queryJson<{ name: string; sql: string }[]>(target, TRIGGERS_SQL);
  const memberships = await queryJson<string[]>(target, MEMBERSHIPS_SQL);
  const vars = schemaVars(schemas);
  const revokes = await queryJson<string[]>(target, revokesSql(schemas, serverMajor), vars);
  const views = await queryJson<{ name: string; deps: string[] }[]>(
    target,
    matviewsSql(schemas),
    vars,
  );
  const vaultSecrets = await queryJson<number>(target, VAULT_SQL);
  const materializedViews = orderMatviews(views);
  const historyTables = await collectMigrationHistory(target);
  const history = renderMigrationHistory(historyTables);
  const cron = await collectCronJobs(target);
  const webhooks = await collectWebhooks(target);

  const warnings: string[] = [...history.warnings, ...cronWarnings(cron)];
  if (vaultSecrets > 0) {
    warnings.push(
      `vault.secrets holds ${vaultSecrets} secret(s) that are not backed up: they are encrypted with a key only the source project has; recreate them in the restored project`,
    );
  }
  return {
    rolesSql: section('custom roles granted to platform roles', memberships),
    schemaSql:
      section(
        'policies on platform tables',
        policies.map((p) => p.sql),
      ) +
      section(
        'triggers on platform tables',
        triggers.map((t) => t.sql),
      ) +
      section(
        "privileges a new project's default privileges would grant, revoked as in the source",
        revokes,
      ) +
      section('migration history of the Supabase CLI (supabase_migrations)', history.sql),
    dataSql:
      section(
        'materialized view contents',
        materializedViews.map((v) => `REFRESH MATERIALIZED VIEW ${v};`),
      ) +
      section(
        'pg_cron jobs, scheduled last: the scheduler sees them once the restore commits',
        renderCronJobs(cron),
      ),
    materializedViews,
    migrations: historyTables.find((t) => t.name === 'schema_migrations')?.rows.length ?? 0,
    cronJobs: cron.jobs.length,
    webhooks,
    warnings,
  };
}
