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
import {
  CRON_JOBS_SQL,
  CRON_PRESENT_SQL,
  cronWarnings,
  renderCronJobs,
  type CronJob,
  type CronPresence,
  type CronState,
} from './cron-jobs.js';
import {
  HISTORY_TABLES_SQL,
  historyRowsSql,
  renderMigrationHistory,
  type HistoryTableShape,
} from './migration-history.js';
import { queryJsonAll, type PsqlTarget } from './query.js';
import { WEBHOOKS_SQL, type Webhook } from './webhooks.js';

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
  const vars = schemaVars(schemas);
  // One connection for the catalog reads, a second only for what the first found.
  const first = await queryJsonAll(
    target,
    [
      POLICIES_SQL,
      TRIGGERS_SQL,
      MEMBERSHIPS_SQL,
      revokesSql(schemas, serverMajor),
      matviewsSql(schemas),
      VAULT_SQL,
      HISTORY_TABLES_SQL,
      CRON_PRESENT_SQL,
      WEBHOOKS_SQL,
    ],
    vars,
  );
  const policies = first[0] as { name: string; sql: string }[];
  const triggers = first[1] as { name: string; sql: string }[];
  const memberships = first[2] as string[];
  const revokes = first[3] as string[];
  const views = first[4] as { name: string; deps: string[] }[];
  const vaultSecrets = first[5] as number;
  const tables = first[6] as HistoryTableShape[];
  const cronPresence = first[7] as CronPresence;
  const webhooks = first[8] as Webhook[];
  const second = [...tables.map(historyRowsSql), ...(cronPresence.present ? [CRON_JOBS_SQL] : [])];
  const found = second.length > 0 ? await queryJsonAll(target, second) : [];
  const historyTables = tables.map((t, i) => ({ ...t, rows: found[i] as (string | null)[][] }));
  const cron: CronState = {
    database: cronPresence.database,
    jobs: cronPresence.present ? (found[tables.length] as CronJob[]) : [],
  };
  const materializedViews = orderMatviews(views);
  const history = renderMigrationHistory(historyTables);

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
