import { describe, expect, it } from 'vitest';
import { cronWarnings, renderCronJobs, type CronJob } from '../../src/dump/cron-jobs.js';
import { DataLines } from '../../src/dump/data-lines.js';

const job = (over: Partial<CronJob>): CronJob => ({
  jobid: 1,
  jobname: 'tick',
  schedule: '* * * * *',
  command: 'select 1',
  database: 'postgres',
  username: 'postgres',
  active: true,
  ...over,
});

describe('renderCronJobs', () => {
  it('schedules a named job in the restored database, as the restoring role when it is the owner', () => {
    expect(renderCronJobs({ database: 'postgres', jobs: [job({ active: false })] })).toEqual([
      "SELECT cron.schedule_in_database('tick', '* * * * *', 'select 1', NULL, nullif('postgres', current_user::text), false) WHERE 'postgres' = current_user::text OR (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user);",
    ]);
  });

  it('keeps another database by name, and an unnamed job through cron.schedule + alter_job', () => {
    const [line] = renderCronJobs({
      database: 'postgres',
      jobs: [job({ jobname: null, database: 'other', command: "select 'x'\nfrom t" })],
    });
    expect(line).toMatch(
      /^SELECT cron\.alter_job\(cron\.schedule\('\* \* \* \* \*', E'select \\'x\\'\\nfrom t'\), database => 'other', /,
    );
  });

  it('writes one line per job, each one the restore filters know as a job', () => {
    const lines = renderCronJobs({
      database: 'postgres',
      jobs: [job({ command: 'a\nb\\c' }), job({ jobname: null })],
    });
    for (const l of lines) {
      expect(l).not.toContain('\n');
      expect(new DataLines().next(l)).toBe('cron-job');
    }
  });

  it("warns about jobs of roles other than postgres (Supabase's restoring role)", () => {
    expect(cronWarnings({ database: 'postgres', jobs: [job({})] })).toEqual([]);
    expect(
      cronWarnings({
        database: 'postgres',
        jobs: [job({ username: 'worker', jobname: null, jobid: 7 })],
      }),
    ).toEqual([expect.stringContaining('#7 (role worker)')]);
  });
});
