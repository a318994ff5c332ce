/** How `check` tells its rows: the table, the Markdown summary, one line per problem (pure). */
import { describe, expect, it } from 'vitest';
import { renderCheckMarkdown, renderCheckText } from '../../src/monitor/check-table.js';
import { problemLine, type CheckOutcome, type CheckRow } from '../../src/monitor/freshness.js';

const row = (over: Partial<CheckRow>): CheckRow => ({
  project: 'app',
  destination: 'branch',
  where: 'branch supabase-backups of acme/app',
  state: 'OK',
  newest_set: '2026-12-06T031500Z',
  newest_time: '2026-12-06T03:15:00Z',
  age_seconds: 4 * 3600 + 45 * 60,
  max_age: '48h',
  max_age_seconds: 48 * 3600,
  max_age_source: 'schedule',
  ...over,
});

const outcome: CheckOutcome = {
  at: '2026-12-06T08:00:00Z',
  rows: [
    row({}),
    row({ destination: 's3', where: 's3://b/p', state: 'STALE', age_seconds: 3 * 86400 }),
    row({
      project: 'x_y',
      destination: 'artifact',
      where: 'artifacts',
      state: 'NONE',
      newest_set: null,
      newest_time: null,
      age_seconds: null,
    }),
    row({
      project: 'x_y',
      destination: 'local',
      where: 'local',
      state: 'UNREADABLE',
      newest_set: null,
      newest_time: null,
      age_seconds: null,
      error: 'no output directory',
    }),
  ],
  stale: ['app', 'x_y'],
};

describe('check output', () => {
  it('a table with aligned columns, a dash where nothing is known', () => {
    expect(renderCheckText(outcome).split('\n')).toEqual([
      'PROJECT  DESTINATION  NEWEST SET          AGE       MAX AGE  STATE',
      'app      branch       2026-12-06T031500Z  4h 45min  48h      OK',
      'app      s3           2026-12-06T031500Z  3d        48h      STALE',
      'x_y      artifact     -                   -         48h      NONE',
      'x_y      local        -                   -         48h      UNREADABLE',
    ]);
  });

  it('one line per problem, saying what to look at', () => {
    expect(outcome.rows.slice(1).map(problemLine)).toEqual([
      's3://b/p: the newest good set, 2026-12-06T031500Z, is 3d old (max_age 48h)',
      'artifacts: no good set at all (max_age 48h)',
      'local: cannot be read (no output directory)',
    ]);
  });

  it('Markdown escapes names and marks the problems', () => {
    const md = renderCheckMarkdown(outcome);
    expect(md).toContain('| x\\_y | artifacts | — | — | 48h | **NONE** |');
    expect(md).toContain(
      '| app | branch supabase-backups of acme/app | 2026-12-06T031500Z | 4h 45min | 48h | OK |',
    );
  });
});
