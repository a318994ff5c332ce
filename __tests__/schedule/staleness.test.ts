/** max_age defaults from schedules, and the freshness of a newest set against it (pure). */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { longestGapMs } from '../../src/config/cron.js';
import { formatAge, freshness, maxAgeOf } from '../../src/schedule/staleness.js';

const H = 3_600_000;
const D = 24 * H;
const at = new Date('2026-12-07T08:00:00Z'); // a Monday

const project = (extra: string) =>
  parseConfig(`version: 1\nprojects:\n  - { name: a, db_url_secret: A${extra} }\n`, 'c.yaml')
    .projects[0]!;

describe('longestGapMs', () => {
  it.each([
    ['0 3 * * *', D],
    ['0 */6 * * *', 6 * H],
    ['0 3,9 * * *', 18 * H], // 09:00 to the next day's 03:00
    ['0 3 * * 1-5', 3 * D], // Friday 03:00 to Monday 03:00
    ['30 2 * * SUN', 7 * D],
    ['*/5 * * * *', 5 * 60_000],
  ])('%s: %d ms', (cron, gap) => {
    expect(longestGapMs(cron, at)).toBe(gap);
  });

  it('monthly: the longest month in the year before counts (31 days)', () => {
    expect(longestGapMs('0 0 1 * *', at)).toBe(31 * D);
  });

  it('a schedule rarer than yearly is measured from the fire before the year (29 February)', () => {
    // 2024-02-29 to 2028-02-29: 4 years, one of them leap.
    expect(longestGapMs('0 0 29 2 *', at)).toBe((4 * 365 + 1) * D);
  });
});

describe('maxAgeOf', () => {
  it('defaults to twice the longest gap of the schedule', () => {
    const m = maxAgeOf(project(', schedule: "0 3 * * 1-5"'), at);
    expect(m).toMatchObject({ source: 'schedule', seconds: 6 * 24 * 3600, text: '6d' });
    expect(m.cutoff).toBe(at.getTime() - 6 * D);
    expect(maxAgeOf(project(', schedule: "0 3 * * *"'), at).text).toBe('48h');
  });

  it('is 26 hours without a schedule', () => {
    expect(maxAgeOf(project(''), at)).toMatchObject({
      source: 'no schedule',
      seconds: 26 * 3600,
      text: '26h',
      cutoff: at.getTime() - 26 * H,
    });
  });

  it('max_age wins over the schedule, by the calendar (1m before 7 December is 7 November)', () => {
    const m = maxAgeOf(project(', schedule: "0 3 * * *", max_age: 1m'), at);
    expect(m).toMatchObject({ source: 'config', text: '1m' });
    expect(new Date(m.cutoff).toISOString()).toBe('2026-11-07T08:00:00.000Z');
    expect(m.seconds).toBe(30 * 24 * 3600);
  });
});

describe('freshness', () => {
  const m = maxAgeOf(project(', max_age: 26h'), at);
  it('OK at and after the cutoff, STALE before it, NONE without a set', () => {
    expect(freshness(new Date(at.getTime() - 26 * H), m)).toBe('OK');
    expect(freshness(new Date(at.getTime() - 26 * H - 1000), m)).toBe('STALE');
    expect(freshness(new Date(at.getTime() - H), m)).toBe('OK');
    expect(freshness(undefined, m)).toBe('NONE');
  });
});

describe('formatAge', () => {
  it.each([
    [59_000, '0min'],
    [90_000, '1min'],
    [26 * H, '26h'],
    [26 * H + 5 * 60_000, '26h 5min'],
    [50 * H, '2d 2h'],
    [9 * D, '9d'],
  ])('%d ms: %s', (ms, text) => {
    expect(formatAge(ms)).toBe(text);
  });
});
