/**
 * pg_cron jobs. The official data dump never holds them (pg_cron's schema is an extension member,
 * which its `--schema "*"` leaves out), so a restored project had none; pg_dump of the whole
 * database (the pg-dump engine) writes `cron.job` as a COPY, which cannot be restored into a
 * Supabase project: there the postgres role may only read cron.job. So the data parts leave
 * cron's tables out (platform-schemas.ts) and the jobs are written as calls of pg_cron's own
 * functions, which the postgres role may run, at the very end of data.sql: inside the restore's
 * one transaction, so the scheduler sees them only once everything is committed and none fires
 * mid-restore.
 *
 * Each call is one line (sql-literal.ts), so `restore --tables` and the drill can drop them
 * (data-lines.ts tells them apart from COPY rows).
 */
import { quoteIdent, sqlBool, sqlLiteral } from './sql-literal.js';

export interface CronJob {
  jobid: number;
  jobname: string | null;
  schedule: string;
  command: string;
  database: string;
  username: string;
  active: boolean;
}

/** What the source holds: its jobs and the database they were read from. */
export interface CronState {
  database: string;
  jobs: CronJob[];
}

export const CRON_PRESENT_SQL = `select json_build_object('database', current_database(),
  'present', to_regclass('cron.job') is not null)`;
// row_security off: a role that cannot read every job fails here instead of missing some.
// to_jsonb: jobname and active are newer columns (pg_cron 1.3, 1.4).
export const CRON_JOBS_SQL = `set row_security = off;
select coalesce(json_agg(json_build_object('jobid', jobid, 'jobname', to_jsonb(j) ->> 'jobname',
  'schedule', schedule, 'command', command, 'database', database, 'username', username,
  'active', coalesce((to_jsonb(j) ->> 'active')::boolean, true)) order by jobid), '[]')
from cron.job j`;

export interface CronPresence {
  database: string;
  present: boolean;
}

/** Call prefix shared by every generated line: how data-lines.ts knows them. */
export const CRON_LINE_PREFIX = 'SELECT cron.';

/**
 * One line per job. The job's own database becomes NULL (pg_cron's database, the restored one,
 * whatever its name); its role NULL when it is the restoring role (pg_cron refuses any explicit
 * role from a non-superuser, even its own name). A job of another role is recreated only by a
 * superuser; run by anyone else, the line does nothing (the backup warns about such jobs).
 */
export function renderCronJobs(state: CronState): string[] {
  return state.jobs.map((j) => {
    const db = j.database === state.database ? 'NULL' : sqlLiteral(j.database);
    const role = `nullif(${sqlLiteral(j.username)}, current_user::text)`;
    const allowed =
      `WHERE ${sqlLiteral(j.username)} = current_user::text ` +
      'OR (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user)';
    const call =
      j.jobname !== null
        ? `cron.schedule_in_database(${sqlLiteral(j.jobname)}, ${sqlLiteral(j.schedule)}, ${sqlLiteral(j.command)}, ${db}, ${role}, ${sqlBool(j.active)})`
        : `cron.alter_job(cron.schedule(${sqlLiteral(j.schedule)}, ${sqlLiteral(j.command)}), database => ${db}, username => ${role}, active => ${sqlBool(j.active)})`;
    return `SELECT ${call} ${allowed};`;
  });
}

/** Jobs a restore by the postgres role (Supabase's) cannot recreate, as warnings. */
export function cronWarnings(state: CronState): string[] {
  const others = state.jobs.filter((j) => j.username !== 'postgres');
  if (others.length === 0) return [];
  const names = others
    .map(
      (j) => `${j.jobname === null ? `#${j.jobid}` : quoteIdent(j.jobname)} (role ${j.username})`,
    )
    .join(', ');
  return [
    `pg_cron job(s) ${names} run as a role other than postgres: a restore recreates them only when run by that role or a superuser (not by postgres on Supabase); otherwise schedule them again after the restore`,
  ];
}
