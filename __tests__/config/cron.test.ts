/** Which minutes fire, previous/next fire times and the error phrases, table-driven. */
import { describe, expect, it } from 'vitest';
import { cronProblem, nextFire, parseCron, previousFire } from '../../src/config/cron.js';

const t = (iso: string) => new Date(iso);

describe('parseCron', () => {
  it.each([
    ['0 3 * * *', { minute: [0], hour: [3] }],
    ['*/15 * * * *', { minute: [0, 15, 30, 45] }],
    ['5-20/5 * * * *', { minute: [5, 10, 15, 20] }],
    ['50/5 * * * *', { minute: [50, 55] }],
    ['0 0 * * MON-FRI', { dayOfWeek: [1, 2, 3, 4, 5] }],
    ['0 0 * * 7', { dayOfWeek: [0] }],
    ['0 0 * * sun,Sat', { dayOfWeek: [0, 6] }],
    ['0 0 * JAN,jul *', { month: [1, 7] }],
    ['0 0 1,15 * *', { dayOfMonth: [1, 15] }],
    ['0 0 * * */2', { dayOfWeek: [0, 2, 4, 6] }],
    ['  0   3 * *   * ', { minute: [0], hour: [3] }],
  ])('%s', (expr, fields) => {
    const c = parseCron(expr);
    for (const [k, v] of Object.entries(fields)) {
      expect(c[k as 'minute'].values).toEqual(v);
    }
  });

  it.each([
    ['', 'it is empty'],
    ['0 3 * *', 'it has 4 fields, not 5'],
    ['0 0 3 * * *', 'it has 6 fields, not 5 (seconds are not supported)'],
    ['60 * * * *', '60 is out of range for the minute field (0-59)'],
    ['0 24 * * *', '24 is out of range for the hour field (0-23)'],
    ['0 0 0 * *', '0 is out of range for the day of month field (1-31)'],
    ['0 0 * 13 *', '13 is out of range for the month field (1-12)'],
    ['0 0 * * 8', '8 is out of range for the day of week field (0-7)'],
    [
      '0 0 * * MONDAY',
      '"MONDAY" in the day of week field is not a number from 0 to 7 or a name SUN-SAT',
    ],
    ['0 0 * FOO *', '"FOO" in the month field is not a number from 1 to 12 or a name JAN-DEC'],
    ['*/0 * * * *', 'the step "/0" in the minute field must be a whole number above 0'],
    ['10-5 * * * *', 'the range "10-5" in the minute field goes backwards'],
    ['1,,2 * * * *', 'the minute field "1,,2" has an empty item'],
    ['0 0 30 2 *', 'it never fires (no month in it has such a day)'],
    ['0 0 31 4,6 *', 'it never fires (no month in it has such a day)'],
    ['@daily', '"@daily" is not supported (GitHub does not read it); write "0 0 * * *"'],
    ['H 3 * * *', '"H" in the minute field is not a number from 0 to 59'],
  ])('refuses %j: %s', (expr, problem) => {
    expect(cronProblem(expr)).toBe(problem);
  });

  it('accepts 29 February (it fires in leap years)', () => {
    expect(cronProblem('0 0 29 2 *')).toBeUndefined();
  });
});

describe('which minutes fire (previousFire and nextFire land on them)', () => {
  it.each([
    ['0 3 * * *', '2026-11-22T03:00:00Z', true],
    ['0 3 * * *', '2026-11-22T03:01:00Z', false],
    ['30 4 * * MON', '2026-11-23T04:30:00Z', true], // a Monday
    ['30 4 * * MON', '2026-11-24T04:30:00Z', false],
    // both day fields restricted: either matches (cron's OR)
    ['0 0 1 * MON', '2026-11-23T00:00:00Z', true], // Monday, the 23rd
    ['0 0 1 * MON', '2026-12-01T00:00:00Z', true], // Tuesday, the 1st
    ['0 0 1 * MON', '2026-12-02T00:00:00Z', false],
    // one of them *: both must match
    ['0 0 1-7 * *', '2026-12-08T00:00:00Z', false],
    ['0 0 * * 0', '2026-11-22T00:00:00Z', true], // a Sunday
    ['0 0 * * 7', '2026-11-22T00:00:00Z', true],
    // a day-of-week starting with * counts as unrestricted: AND
    ['0 0 1 * */2', '2026-11-01T00:00:00Z', true], // Sunday the 1st
    ['0 0 1 * */2', '2026-12-01T00:00:00Z', true], // Tuesday the 1st
    ['0 0 1 * */2', '2026-12-03T00:00:00Z', false], // Thursday the 3rd
  ])('%s at %s: %s', (expr, at, expected) => {
    const minute = t(at).getTime();
    expect(previousFire(expr, t(at)).getTime() === minute).toBe(expected);
    expect(nextFire(expr, new Date(minute - 60_000)).getTime() === minute).toBe(expected);
  });
});

describe('previousFire and nextFire', () => {
  it.each([
    // [expr, at, previous, next]
    ['0 3 * * *', '2026-11-22T03:00:00Z', '2026-11-22T03:00:00Z', '2026-11-23T03:00:00Z'],
    ['0 3 * * *', '2026-11-22T03:00:59.999Z', '2026-11-22T03:00:00Z', '2026-11-23T03:00:00Z'],
    ['0 3 * * *', '2026-11-22T02:59:59Z', '2026-11-21T03:00:00Z', '2026-11-22T03:00:00Z'],
    ['15 * * * *', '2026-11-22T10:14:00Z', '2026-11-22T09:15:00Z', '2026-11-22T10:15:00Z'],
    ['15 * * * *', '2026-11-22T00:05:00Z', '2026-11-21T23:15:00Z', '2026-11-22T00:15:00Z'],
    ['30 4 * * MON', '2026-11-22T12:00:00Z', '2026-11-16T04:30:00Z', '2026-11-23T04:30:00Z'],
    ['0 0 1 1 *', '2026-06-01T00:00:00Z', '2026-01-01T00:00:00Z', '2027-01-01T00:00:00Z'],
    ['0 0 29 2 *', '2026-06-01T00:00:00Z', '2024-02-29T00:00:00Z', '2028-02-29T00:00:00Z'],
    ['0 0 31 * *', '2026-05-01T00:00:00Z', '2026-03-31T00:00:00Z', '2026-05-31T00:00:00Z'],
    [
      '*/20 9-17 * * MON-FRI',
      '2026-11-23T08:00:00Z',
      '2026-11-20T17:40:00Z',
      '2026-11-23T09:00:00Z',
    ],
    ['0 12 1 * MON', '2026-11-30T13:00:00Z', '2026-11-30T12:00:00Z', '2026-12-01T12:00:00Z'],
    ['59 23 31 12 *', '2027-01-01T00:00:00Z', '2026-12-31T23:59:00Z', '2027-12-31T23:59:00Z'],
  ])('%s at %s', (expr, at, previous, next) => {
    expect(previousFire(expr, t(at)).toISOString()).toBe(t(previous).toISOString());
    expect(nextFire(expr, t(at)).toISOString()).toBe(t(next).toISOString());
  });
});
