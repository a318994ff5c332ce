/**
 * Coverage entries (backup.json `coverage`) for what a Supabase project keeps in its database
 * outside the user's schemas: the Supabase CLI's migration history, pg_cron jobs and database
 * webhooks; said per set, so a restore can say what it brought back and what is left to do.
 */
import type { CoverageEntry } from '../catalog/backup-json.js';
import type { DumpPart } from '../config/types.js';
import type { Extras } from './extras.js';
import { webhookHosts } from './webhooks.js';

export const SURFACE_MIGRATIONS = 'migration history (supabase migration list)';
export const SURFACE_CRON = 'pg_cron jobs';
export const SURFACE_CRON_RUNS = 'pg_cron run history';
export const SURFACE_WEBHOOKS = 'database webhooks';

type Counts = Pick<Extras, 'migrations' | 'cronJobs' | 'webhooks'>;

export function databaseCoverage(extras: Counts, parts: DumpPart[]): CoverageEntry[] {
  const out: CoverageEntry[] = [];
  const missing = (surface: string, part: string) =>
    out.push({ surface, state: 'not-configured', note: `the ${part} part is not in this set` });
  if (!parts.includes('schema')) missing(SURFACE_MIGRATIONS, 'schema');
  else
    out.push({
      surface: SURFACE_MIGRATIONS,
      state: 'backed-up',
      note: `${extras.migrations} applied migration(s), at the end of schema.sql`,
    });
  if (!parts.includes('data')) missing(SURFACE_CRON, 'data');
  else
    out.push({
      surface: SURFACE_CRON,
      state: 'backed-up',
      note: `${extras.cronJobs} job(s), scheduled by the last statements of data.sql (new job ids)`,
    });
  out.push({
    surface: SURFACE_CRON_RUNS,
    state: 'not-configured',
    note: 'cron.job_run_details is a log: not backed up, a restored project starts an empty one',
  });
  const hooks = extras.webhooks;
  if (!parts.includes('schema')) missing(SURFACE_WEBHOOKS, 'schema');
  else if (hooks.length === 0)
    out.push({ surface: SURFACE_WEBHOOKS, state: 'backed-up', note: 'the project has none' });
  else {
    const hosts = webhookHosts(hooks);
    const projects = hosts.filter((h) => /\.supabase\.(co|in)$/i.test(h));
    out.push({
      surface: SURFACE_WEBHOOKS,
      state: projects.length > 0 ? 'partial' : 'backed-up',
      note:
        `${hooks.length} webhook trigger(s) in schema.sql, calling ${hosts.join(', ') || 'no http(s) URL'}` +
        (projects.length > 0
          ? `; restored, they still call ${projects.join(', ')} with that project's key: point them at the new project (Dashboard > Database > Webhooks)`
          : ''),
    });
  }
  return out;
}
