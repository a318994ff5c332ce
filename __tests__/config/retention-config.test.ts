import { describe, expect, it } from 'vitest';
import {
  DURATION_RE,
  durationProblem,
  formatDuration,
  parseDuration,
  subtractDuration,
} from '../../src/config/duration.js';
import { parseConfig } from '../../src/config/load.js';
import { ConfigError, UsageError } from '../../src/errors.js';

function problems(text: string): string[] {
  try {
    parseConfig(text, 'cfg.yaml');
  } catch (err) {
    if (err instanceof ConfigError) {
      return err.issues.map((i) => `${i.line}:${i.column} ${i.path}: ${i.message}`);
    }
    throw err;
  }
  throw new Error('expected a ConfigError');
}
const withRetention = (retention: string) =>
  `version: 1\nprojects:\n  - name: a\n    db_url_secret: A\n    retention: ${retention}\n`;

describe('retention in the config', () => {
  it('is parsed: counts as written, keep_within structured', () => {
    const [p] = parseConfig(
      withRetention('{keep_last: 0, keep_daily: 7, keep_within: 1y6m}'),
      'x',
    ).projects;
    expect(p?.retention).toEqual({
      keep_last: 0,
      keep_daily: 7,
      keep_within: { years: 1, months: 6, days: 0, hours: 0 },
    });
  });

  it('a project policy replaces the defaults policy; null keeps everything; absent inherits', () => {
    const config = parseConfig(
      [
        'version: 1',
        'defaults:',
        '  retention:',
        '    keep_daily: 7',
        '    keep_weekly: 4',
        'projects:',
        '  - {name: a, db_url_secret: A}',
        '  - {name: b, db_url_secret: B, retention: {keep_last: 3}}',
        '  - {name: c, db_url_secret: C, retention: null}',
        '  - name: d',
        '    db_url_secret: D',
        '    retention:',
      ].join('\n'),
      'x',
    );
    expect(config.projects.map((p) => [p.name, p.retention])).toEqual([
      ['a', { keep_daily: 7, keep_weekly: 4 }],
      ['b', { keep_last: 3 }],
      ['c', undefined],
      ['d', undefined],
    ]);
    expect(config.projects[2]).not.toHaveProperty('retention');
  });

  it('no retention anywhere: keep everything (no key)', () => {
    const [p] = parseConfig('version: 1\nprojects: [{name: a, db_url_secret: A}]\n', 'x').projects;
    expect(p).not.toHaveProperty('retention');
  });

  it('an empty policy, or one whose every rule is 0, is refused at the mapping', () => {
    const message =
      'retention has no rule that keeps anything, and a policy that keeps nothing would delete ' +
      'every backup; set at least one of keep_last, keep_hourly, keep_daily, keep_weekly, ' +
      'keep_monthly, keep_yearly (above 0) or keep_within, or remove `retention` to keep every backup';
    expect(problems(withRetention('{}'))).toEqual([`5:16 projects[0].retention: ${message}`]);
    expect(problems(withRetention('{keep_last: 0, keep_daily: 0, keep_within: 0d}'))).toEqual([
      `5:16 projects[0].retention: ${message}`,
    ]);
    expect(
      problems('version: 1\ndefaults:\n  retention: {}\nprojects: [{name: a, db_url_secret: A}]\n'),
    ).toEqual([`3:14 defaults.retention: ${message}`]);
  });

  it('bad rules: each at its value, with what is allowed', () => {
    expect(
      problems(
        withRetention('{keep_daily: -1, keep_weekly: 2.5, keep_monthly: "12", keep_within: 7x}'),
      ),
    ).toEqual([
      '5:29 projects[0].retention.keep_daily: keep_daily must be a whole number, 0 or more, got the number -1',
      '5:46 projects[0].retention.keep_weekly: keep_weekly must be a whole number, 0 or more, got the number 2.5',
      '5:65 projects[0].retention.keep_monthly: keep_monthly must be a whole number, 0 or more, got the string "12"',
      '5:84 projects[0].retention.keep_within: invalid duration "7x" (unknown unit "x"); write whole numbers with units, largest first: y (years), m (months), w (weeks), d (days), h (hours), e.g. "7d", "12h", "2w", "1m", "1y6m"',
    ]);
    expect(problems(withRetention('{keep_within: 7}'))).toEqual([
      '5:30 projects[0].retention.keep_within: keep_within must be a duration such as "7d", got the number 7',
    ]);
    expect(problems(withRetention('7'))).toEqual([
      '5:16 projects[0].retention: retention must be a mapping of rules such as {keep_daily: 7}, got the number 7',
    ]);
  });

  it('unknown rules: restic spellings get a suggestion, others the list', () => {
    expect(problems(withRetention('{keep-daily: 7, keep_forever: true}'))).toEqual([
      '5:17 projects[0].retention.keep-daily: unknown key "keep-daily"; did you mean "keep_daily"?',
      '5:32 projects[0].retention.keep_forever: unknown key "keep_forever"; allowed keys: keep_last, keep_hourly, keep_daily, keep_weekly, keep_monthly, keep_yearly, keep_within',
    ]);
  });
});

describe('parseDuration', () => {
  const good: [string, [number, number, number, number]][] = [
    ['7d', [0, 0, 7, 0]],
    ['12h', [0, 0, 0, 12]],
    ['2w', [0, 0, 14, 0]],
    ['1m', [0, 1, 0, 0]],
    ['1y', [1, 0, 0, 0]],
    ['1y6m', [1, 6, 0, 0]],
    ['2w3d', [0, 0, 17, 0]],
    ['1y2m3w4d5h', [1, 2, 25, 5]],
    ['0d', [0, 0, 0, 0]],
    ['999999h', [0, 0, 0, 999999]],
  ];
  it.each(good)('%s', (text, [years, months, days, hours]) => {
    expect(parseDuration(text)).toEqual({ years, months, days, hours });
    expect(DURATION_RE.test(text)).toBe(true);
  });

  const bad: [string, string][] = [
    ['', 'it is empty'],
    ['7', '7 has no unit after it'],
    ['d', '"d" has no number before it'],
    ['7x', 'unknown unit "x"'],
    ['7 d', 'it contains spaces'],
    ['-1d', 'it cannot be negative'],
    ['1.5d', 'numbers must be whole'],
    ['1d1y', 'units must go from largest to smallest'],
    ['1d2d', '"d" appears twice'],
    ['7D', 'units are lowercase ("d", not "D")'],
    ['1M', 'units are lowercase ("m", not "M")'],
    ['30min', 'unknown unit "min"'],
    ['1234567d', '1234567 is too large (at most 999999 per unit)'],
  ];
  it.each(bad)('%j is refused: %s', (text, problem) => {
    expect(durationProblem(text)).toBe(problem);
    expect(DURATION_RE.test(text)).toBe(false);
    expect(() => parseDuration(text)).toThrow(UsageError);
    expect(() => parseDuration(text)).toThrow(
      `invalid duration ${JSON.stringify(text)}: ${problem}; write whole numbers with units`,
    );
  });

  it('formats canonically (weeks as days)', () => {
    expect(formatDuration(parseDuration('1y6m'))).toBe('1y6m');
    expect(formatDuration(parseDuration('2w'))).toBe('14d');
    expect(formatDuration(parseDuration('1y2m3w4d5h'))).toBe('1y2m25d5h');
    expect(formatDuration(parseDuration('0d'))).toBe('0h');
  });
});

describe('subtractDuration: calendar arithmetic in UTC, as restic (Go AddDate)', () => {
  const table: [string, string, string][] = [
    ['2026-03-31T12:00:00Z', '1m', '2026-03-03T12:00:00.000Z'], // "February 31"
    ['2024-03-31T12:00:00Z', '1m', '2024-03-02T12:00:00.000Z'], // leap year
    ['2024-02-29T00:00:00Z', '1y', '2023-03-01T00:00:00.000Z'],
    ['2026-01-01T05:00:00Z', '7d', '2025-12-25T05:00:00.000Z'],
    ['2026-01-01T05:00:00Z', '6h', '2025-12-31T23:00:00.000Z'],
    ['2026-07-15T00:00:00Z', '1y6m', '2025-01-15T00:00:00.000Z'],
    ['2026-03-10T00:00:00Z', '2w', '2026-02-24T00:00:00.000Z'],
    ['2026-01-01T00:00:00Z', '1950y', '0076-01-01T00:00:00.000Z'], // not 1976
  ];
  it.each(table)('%s - %s = %s', (from, d, to) => {
    expect(new Date(subtractDuration(new Date(from), parseDuration(d))).toISOString()).toBe(to);
  });

  it('beyond the representable past is -Infinity (keeps everything)', () => {
    expect(subtractDuration(new Date('2026-01-01T00:00:00Z'), parseDuration('999999y'))).toBe(
      -Infinity,
    );
  });
});
