/** When a scheduled project is due, and the plan's outputs. */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { isDue, matrixOf, planProjects } from '../../src/schedule/due.js';
import { renderPlanSummary } from '../../src/schedule/render.js';

const t = (iso: string) => new Date(iso);

describe('isDue', () => {
  it.each([
    // [schedule, at, last good set, due]
    [undefined, '2026-11-22T03:05:00Z', '2026-11-22T03:01:00Z', true],
    ['0 3 * * *', '2026-11-22T03:05:00Z', undefined, true],
    ['0 3 * * *', '2026-11-22T03:05:00Z', '2026-11-21T03:04:00Z', true],
    ['0 3 * * *', '2026-11-22T03:05:00Z', '2026-11-22T03:01:00Z', false],
    ['0 3 * * *', '2026-11-22T03:05:00Z', '2026-11-22T03:00:00Z', false],
    // the scheduled run came late (03:40): the 04:05 run does not back up again
    ['0 3 * * *', '2026-11-22T04:05:00Z', '2026-11-22T03:40:00Z', false],
    // before today's time: yesterday's set is enough
    ['0 3 * * *', '2026-11-22T02:00:00Z', '2026-11-21T03:02:00Z', false],
    // hourly: 10:00 and 11:00 were skipped; the 11:50 run catches up once ...
    ['0 * * * *', '2026-11-22T11:50:00Z', '2026-11-22T09:01:00Z', true],
    // ... and the next run in the same hour does nothing
    ['0 * * * *', '2026-11-22T11:55:00Z', '2026-11-22T11:50:30Z', false],
    ['0 * * * *', '2026-11-22T12:00:00Z', '2026-11-22T11:50:30Z', true],
  ] as const)('%s at %s, last %s: %s', (schedule, at, last, due) => {
    const project = schedule === undefined ? {} : { schedule };
    expect(isDue(project, t(at), last === undefined ? undefined : t(last))).toBe(due);
  });
});

describe('planProjects', () => {
  const config = parseConfig(
    `version: 1
defaults:
  schedule: "0 3 * * *"
projects:
  - name: prod
    db_url_secret: PROD_DB_URL
  - name: hourly
    db_url_secret: HOURLY_DB_URL
    schedule: "15 * * * *"
  - name: always
    db_url_secret: ALWAYS_DB_URL
    schedule: null
`,
    'cfg.yaml',
  );
  const lastGood = new Map([
    ['prod', t('2026-11-22T03:02:00Z')],
    ['hourly', t('2026-11-22T09:16:00Z')],
  ]);

  it('decides from the schedule and the last good set', () => {
    const decisions = planProjects({
      projects: config.projects,
      at: t('2026-11-22T10:20:00Z'),
      lastGood,
    });
    expect(decisions.map((d) => [d.project, d.due, d.reason])).toEqual([
      [
        'prod',
        false,
        'last good set 2026-11-22T03:02Z is not older than the scheduled time 2026-11-22T03:00Z; next at 2026-11-23T03:00Z',
      ],
      [
        'hourly',
        true,
        'last good set 2026-11-22T09:16Z is older than the scheduled time 2026-11-22T10:15Z',
      ],
      ['always', true, 'no schedule: due on every run'],
    ]);
    expect(decisions[0]).toMatchObject({
      schedule: '0 3 * * *',
      schedule_text: 'every day at 03:00 UTC',
      previous_fire: '2026-11-22T03:00:00.000Z',
      next_fire: '2026-11-23T03:00:00.000Z',
      last_good: '2026-11-22T03:02:00.000Z',
    });
    const { jobs, ...matrix } = matrixOf(decisions);
    expect(matrix).toEqual({
      projects: 'hourly,always',
      matrix: {
        include: [
          { project: 'hourly', projects: 'hourly', job: 1 },
          { project: 'always', projects: 'always', job: 2 },
        ],
      },
    });
    expect(jobs.map((j) => j.projects)).toEqual([['hourly'], ['always']]);
  });

  it('makes everything due on workflow_dispatch, and on schedule only what is due', () => {
    const at = t('2026-11-22T10:20:00Z');
    const manual = planProjects({
      projects: config.projects,
      at,
      lastGood,
      eventName: 'workflow_dispatch',
    });
    expect(manual.every((d) => d.due)).toBe(true);
    expect(manual[0]!.reason).toBe('workflow_dispatch: schedules are ignored');
    const scheduled = planProjects({
      projects: config.projects,
      at,
      lastGood,
      eventName: 'schedule',
    });
    expect(scheduled.map((d) => d.due)).toEqual([false, true, true]);
  });

  it('gives an empty matrix when nothing is due', () => {
    expect(matrixOf([])).toEqual({ projects: '', matrix: { include: [] }, jobs: [] });
  });
});

describe('renderPlanSummary', () => {
  it('is a table of the decisions', () => {
    const decisions = planProjects({
      projects: parseConfig(
        'version: 1\nprojects:\n  - { name: a, db_url_secret: A, schedule: "0 3 * * *" }\n  - { name: b, db_url_secret: B }\n',
        'c.yaml',
      ).projects,
      at: t('2026-11-22T03:10:00Z'),
      lastGood: new Map([['a', t('2026-11-22T03:01:00Z')]]),
    });
    expect(renderPlanSummary(decisions, t('2026-11-22T03:10:00Z'))).toBe(
      [
        '## Supabase backup plan',
        '',
        'As of 2026-11-22T03:10Z: 1 of 2 project(s) due: **b**.',
        '',
        '| project | due | schedule | last good set | next scheduled | why |',
        '|---|---|---|---|---|---|',
        '| a | no | every day at 03:00 UTC (`0 3 * * *`) | 2026-11-22T03:01Z | 2026-11-23T03:00Z | ' +
          'last good set 2026-11-22T03:01Z is not older than the scheduled time 2026-11-22T03:00Z; next at 2026-11-23T03:00Z |',
        '| b | yes | every run | - | - | no schedule: due on every run |',
        '',
      ].join('\n'),
    );
  });
});
