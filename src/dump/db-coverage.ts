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

const NONE = 'the project has none';
const isProjectHost = (h: string) => /\.supabase\.(co|in)$/i.test(h);

export function databaseCoverage(extras: Counts, parts: DumpPart[]): CoverageEntry[] {
  const out: CoverageEntry[] = [];
  const entry = (surface: string, part: DumpPart, count: number, note: string) =>
    out.push(
      !parts.includes(part)
        ? { surface, state: 'not-configured', note: `the ${part} part is not in this set` }
        : count === 0
          ? { surface, state: 'not-configured', note: NONE }
          : { surface, state: 'backed-up', note },
    );
  entry(
    SURFACE_MIGRATIONS,
    'schema',
    extras.migrations,
    `${extras.migrations} applied migration(s), at the end of schema.sql`,
  );
  entry(
    SURFACE_CRON,
    'data',
    extras.cronJobs,
    `${extras.cronJobs} job(s), scheduled by the last statements of data.sql (new job ids)`,
  );
  if (extras.cronJobs > 0)
    out.push({
      surface: SURFACE_CRON_RUNS,
      state: 'not-configured',
      note: 'cron.job_run_details is a log: not backed up; a restored project starts an empty one',
    });
  const hosts = webhookHosts(extras.webhooks);
  const projects = hosts.filter(isProjectHost);
  entry(
    SURFACE_WEBHOOKS,
    'schema',
    extras.webhooks.length,
    `${extras.webhooks.length} webhook trigger(s) in schema.sql, calling ${hosts.join(', ') || 'no http(s) URL'}` +
      (projects.length > 0
        ? `; restored, they still call ${projects.join(', ')} with that project's key: point them at the new project (Dashboard > Database > Webhooks)`
        : ''),
  );
  const hooks = out.at(-1)!;
  if (hooks.state === 'backed-up' && projects.length > 0) hooks.state = 'partial';
  return out;
}
