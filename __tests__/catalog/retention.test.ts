import { describe, expect, it } from 'vitest';
import {
  applyRetention,
  isoWeek,
  parseDuration,
  type RetentionPolicy,
  type RetentionSet,
} from '../../src/catalog/retention.js';
import { UsageError } from '../../src/errors.js';

type Status = RetentionSet['status'];
/** A set at `iso` (UTC); its id is the time unless given. */
const set = (iso: string, status: Status = 'ok', id = iso): RetentionSet => ({
  id,
  time: new Date(iso.endsWith('Z') ? iso : `${iso}Z`),
  status,
});

/** The decision in a readable shape: keep as [id, reasons], the others as ids. */
function decide(sets: RetentionSet[], policy: RetentionPolicy, now: string) {
  const d = applyRetention(sets, policy, new Date(`${now}Z`));
  return {
    keep: d.keep.map((k): [string, string[]] => [k.set.id, k.reasons]),
    remove: d.remove.map((s) => s.id),
    ignored: d.ignored.map((s) => s.id),
  };
}

interface Case {
  name: string;
  sets: RetentionSet[];
  policy: RetentionPolicy;
  now: string;
  keep: [string, string[]][];
  remove: string[];
  ignored?: string[];
}

/** Dec 30 2026 to Jan 4 2027; Dec 28 2026 - Jan 3 2027 is ISO week 2026-W53. */
const NEW_YEAR = [
  set('2027-01-04T08:00'), // Monday, 2027-W01
  set('2027-01-01T08:00'), // Friday, 2026-W53
  set('2027-01-01T00:30'),
  set('2026-12-31T23:30'), // Thursday, 2026-W53
  set('2026-12-31T09:00'),
  set('2026-12-30T10:00'), // Wednesday, 2026-W53
];

const cases: Case[] = [
  {
    name: 'year boundary, daily: one per UTC date, Dec 31 and Jan 1 apart',
    sets: NEW_YEAR,
    policy: { keep_daily: 3 },
    now: '2027-01-05T00:00',
    keep: [
      ['2027-01-04T08:00', ['daily snapshot']],
      ['2027-01-01T08:00', ['daily snapshot']],
      ['2026-12-31T23:30', ['daily snapshot']],
    ],
    remove: ['2027-01-01T00:30', '2026-12-31T09:00', '2026-12-30T10:00'],
  },
  {
    name: 'year boundary, weekly: Dec 30 to Jan 1 are one ISO week (2026-W53)',
    sets: NEW_YEAR,
    policy: { keep_weekly: 2 },
    now: '2027-01-05T00:00',
    keep: [
      ['2027-01-04T08:00', ['weekly snapshot']],
      ['2027-01-01T08:00', ['weekly snapshot']],
    ],
    remove: ['2027-01-01T00:30', '2026-12-31T23:30', '2026-12-31T09:00', '2026-12-30T10:00'],
  },
  {
    name: 'year boundary, yearly: the last set of 2026 is Dec 31 23:30',
    sets: NEW_YEAR,
    policy: { keep_yearly: 2 },
    now: '2027-01-05T00:00',
    keep: [
      ['2027-01-04T08:00', ['yearly snapshot']],
      ['2026-12-31T23:30', ['yearly snapshot']],
    ],
    remove: ['2027-01-01T08:00', '2027-01-01T00:30', '2026-12-31T09:00', '2026-12-30T10:00'],
  },
  {
    name: 'a rule with counts left also keeps the oldest set (restic 0.17+)',
    sets: NEW_YEAR,
    policy: { keep_yearly: 3 },
    now: '2027-01-05T00:00',
    keep: [
      ['2027-01-04T08:00', ['yearly snapshot']],
      ['2026-12-31T23:30', ['yearly snapshot']],
      ['2026-12-30T10:00', ['oldest yearly snapshot']],
    ],
    remove: ['2027-01-01T08:00', '2027-01-01T00:30', '2026-12-31T09:00'],
  },
  {
    name: 'ISO week 53: daily sets Dec 26 to Jan 5, three weeks kept',
    sets: ['05', '04', '03', '02', '01']
      .map((d) => set(`2027-01-${d}T12:00`))
      .concat(['31', '30', '29', '28', '27', '26'].map((d) => set(`2026-12-${d}T12:00`))),
    policy: { keep_weekly: 3 },
    now: '2027-01-06T00:00',
    keep: [
      ['2027-01-05T12:00', ['weekly snapshot']], // 2027-W01
      ['2027-01-03T12:00', ['weekly snapshot']], // 2026-W53 (Sunday)
      ['2026-12-27T12:00', ['weekly snapshot']], // 2026-W52 (Sunday)
    ],
    remove: [
      '2027-01-04T12:00',
      '2027-01-02T12:00',
      '2027-01-01T12:00',
      '2026-12-31T12:00',
      '2026-12-30T12:00',
      '2026-12-29T12:00',
      '2026-12-28T12:00',
      '2026-12-26T12:00',
    ],
  },
  {
    name: 'several sets on one day: only the newest counts for daily',
    sets: [
      set('2026-05-02T01:00'),
      set('2026-05-01T22:00'),
      set('2026-05-02T18:00'),
      set('2026-05-01T03:00'),
      set('2026-05-02T09:00'),
      set('2026-04-30T12:00'),
    ],
    policy: { keep_daily: 2 },
    now: '2026-05-03T00:00',
    keep: [
      ['2026-05-02T18:00', ['daily snapshot']],
      ['2026-05-01T22:00', ['daily snapshot']],
    ],
    remove: ['2026-05-02T09:00', '2026-05-02T01:00', '2026-05-01T03:00', '2026-04-30T12:00'],
  },
  {
    name: 'future-dated sets are kept and count for no rule',
    sets: [set('2026-05-11T00:00'), set('2026-05-10T11:00'), set('2026-05-09T11:00')],
    policy: { keep_last: 1, keep_within: parseDuration('7d') },
    now: '2026-05-10T12:00',
    keep: [
      ['2026-05-11T00:00', ['future-dated']],
      ['2026-05-10T11:00', ['within 7d', 'last snapshot']],
      ['2026-05-09T11:00', ['within 7d']],
    ],
    remove: [],
  },
  {
    name: 'failed and incomplete sets: ignored, never counted, never removed',
    sets: [
      set('2026-05-10T03:00', 'failed'),
      set('2026-05-09T23:00', 'incomplete'),
      set('2026-05-09T03:00'),
      set('2026-05-08T23:00', 'failed'),
      set('2026-05-08T03:00'),
      set('2026-05-07T03:00'),
      set('2026-05-06T03:00', 'failed'),
    ],
    policy: { keep_daily: 2 },
    now: '2026-05-10T12:00',
    keep: [
      ['2026-05-09T03:00', ['daily snapshot']],
      ['2026-05-08T03:00', ['daily snapshot']],
    ],
    remove: ['2026-05-07T03:00'],
    ignored: ['2026-05-10T03:00', '2026-05-09T23:00', '2026-05-08T23:00', '2026-05-06T03:00'],
  },
  {
    name: 'keep_within 1m on March 31: the cutoff is "February 31" = March 3 (restic/Go)',
    sets: [
      set('2026-03-31T06:00'),
      set('2026-03-03T12:00:01'),
      set('2026-03-03T12:00:00'), // exactly the cutoff: not newer
      set('2026-02-28T12:00'),
    ],
    policy: { keep_within: parseDuration('1m') },
    now: '2026-03-31T12:00',
    keep: [
      ['2026-03-31T06:00', ['within 1m']],
      ['2026-03-03T12:00:01', ['within 1m']],
    ],
    remove: ['2026-03-03T12:00:00', '2026-02-28T12:00'],
  },
  {
    name: 'keep_last 0 is no rule: the same as keep_daily alone',
    sets: [set('2026-06-02T10:00'), set('2026-06-02T08:00'), set('2026-06-01T10:00')],
    policy: { keep_last: 0, keep_daily: 1 },
    now: '2026-06-03T00:00',
    keep: [['2026-06-02T10:00', ['daily snapshot']]],
    remove: ['2026-06-02T08:00', '2026-06-01T10:00'],
  },
  {
    name: 'rules are ORed, with every reason listed in rule order',
    sets: [
      set('2026-06-02T10:00'),
      set('2026-06-02T08:00'),
      set('2026-06-01T10:00'),
      set('2026-05-31T10:00'),
      set('2026-05-30T10:00'),
    ],
    policy: { keep_last: 2, keep_daily: 2, keep_monthly: 2 },
    now: '2026-06-03T00:00',
    keep: [
      ['2026-06-02T10:00', ['last snapshot', 'daily snapshot', 'monthly snapshot']],
      ['2026-06-02T08:00', ['last snapshot']],
      ['2026-06-01T10:00', ['daily snapshot']],
      ['2026-05-31T10:00', ['monthly snapshot']],
    ],
    remove: ['2026-05-30T10:00'],
  },
  {
    name: 'safety net: keep_within 1h with every set older keeps the newest ok set',
    sets: [set('2026-05-09T00:00', 'failed'), set('2026-05-01T00:00'), set('2026-04-30T00:00')],
    policy: { keep_within: parseDuration('1h') },
    now: '2026-05-10T00:00',
    keep: [['2026-05-01T00:00', ['newest ok set']]],
    remove: ['2026-04-30T00:00'],
    ignored: ['2026-05-09T00:00'],
  },
  {
    name: 'safety net protects the newest set that is not future-dated',
    sets: [set('2030-01-01T00:00'), set('2026-05-01T00:00'), set('2026-04-30T00:00')],
    policy: { keep_within: parseDuration('1h') },
    now: '2026-05-10T00:00',
    keep: [
      ['2030-01-01T00:00', ['future-dated']],
      ['2026-05-01T00:00', ['newest ok set']],
    ],
    remove: ['2026-04-30T00:00'],
  },
  {
    name: 'the newest set whose drill passed is kept though no rule keeps it',
    sets: [
      set('2026-05-09T00:00'),
      set('2026-05-08T00:00'),
      { ...set('2026-05-07T00:00'), drilled: true },
      { ...set('2026-05-06T00:00'), drilled: true },
      set('2026-05-05T00:00', 'failed'),
    ],
    policy: { keep_last: 2 },
    now: '2026-05-10T00:00',
    keep: [
      ['2026-05-09T00:00', ['last snapshot']],
      ['2026-05-08T00:00', ['last snapshot']],
      ['2026-05-07T00:00', ['newest drilled set']],
    ],
    remove: ['2026-05-06T00:00'],
    ignored: ['2026-05-05T00:00'],
  },
  {
    name: 'a drilled set a rule keeps needs no extra reason; a failed one never counts',
    sets: [
      { ...set('2026-05-09T00:00'), drilled: true },
      { ...set('2026-05-08T00:00', 'failed'), drilled: true },
      { ...set('2026-05-07T00:00'), drilled: true },
    ],
    policy: { keep_last: 1 },
    now: '2026-05-10T00:00',
    keep: [['2026-05-09T00:00', ['last snapshot']]],
    remove: ['2026-05-07T00:00'],
    ignored: ['2026-05-08T00:00'],
  },
  {
    name: 'hourly buckets are UTC hours',
    sets: [
      set('2026-05-10T11:59:59'),
      set('2026-05-10T11:00:00'),
      set('2026-05-10T10:59:59'),
      set('2026-05-10T10:00:00'),
      set('2026-05-10T09:30:00'),
    ],
    policy: { keep_hourly: 2 },
    now: '2026-05-10T12:00',
    keep: [
      ['2026-05-10T11:59:59', ['hourly snapshot']],
      ['2026-05-10T10:59:59', ['hourly snapshot']],
    ],
    remove: ['2026-05-10T11:00:00', '2026-05-10T10:00:00', '2026-05-10T09:30:00'],
  },
  {
    name: 'oldest rule: 2 sets a day for 3 days with keep_daily 7',
    sets: [
      set('2026-05-03T18:00'),
      set('2026-05-03T06:00'),
      set('2026-05-02T18:00'),
      set('2026-05-02T06:00'),
      set('2026-05-01T18:00'),
      set('2026-05-01T06:00'),
    ],
    policy: { keep_daily: 7 },
    now: '2026-05-04T00:00',
    keep: [
      ['2026-05-03T18:00', ['daily snapshot']],
      ['2026-05-02T18:00', ['daily snapshot']],
      ['2026-05-01T18:00', ['daily snapshot']],
      ['2026-05-01T06:00', ['oldest daily snapshot']],
    ],
    remove: ['2026-05-03T06:00', '2026-05-02T06:00'],
  },
  {
    name: 'ordered by recorded time, not by id',
    sets: [set('2026-05-01T00:00', 'ok', 'z-older'), set('2026-05-02T00:00', 'ok', 'a-newer')],
    policy: { keep_last: 1 },
    now: '2026-05-03T00:00',
    keep: [['a-newer', ['last snapshot']]],
    remove: ['z-older'],
  },
  {
    name: 'equal times: the greater id counts as newer, whatever the input order',
    sets: [
      set('2026-05-01T00:00', 'ok', 'set-a'),
      set('2026-05-01T00:00', 'ok', 'set-b'),
      set('2026-04-01T00:00', 'ok', 'set-c'),
    ],
    policy: { keep_last: 1 },
    now: '2026-05-03T00:00',
    keep: [['set-b', ['last snapshot']]],
    remove: ['set-a', 'set-c'],
  },
  {
    name: 'no sets',
    sets: [],
    policy: { keep_last: 1 },
    now: '2026-05-03T00:00',
    keep: [],
    remove: [],
  },
  {
    name: 'only failed sets: nothing to decide',
    sets: [set('2026-05-02T00:00', 'failed'), set('2026-05-01T00:00', 'incomplete')],
    policy: { keep_last: 1 },
    now: '2026-05-03T00:00',
    keep: [],
    remove: [],
    ignored: ['2026-05-02T00:00', '2026-05-01T00:00'],
  },
];

describe('applyRetention', () => {
  it.each(cases)('$name', ({ sets, policy, now, keep, remove, ignored = [] }) => {
    expect(decide(sets, policy, now)).toEqual({ keep, remove, ignored });
    // Input order does not matter.
    expect(decide([...sets].reverse(), policy, now)).toEqual({ keep, remove, ignored });
  });

  it('does not modify its input', () => {
    const sets = [set('2026-05-01T00:00'), set('2026-05-02T00:00')];
    const copy = structuredClone(sets);
    applyRetention(sets, { keep_last: 1 }, new Date('2026-05-03T00:00Z'));
    expect(sets).toEqual(copy);
  });

  it('refuses a policy that keeps nothing', () => {
    const sets = [set('2026-05-01T00:00')];
    const now = new Date('2026-05-03T00:00Z');
    for (const policy of [{}, { keep_last: 0 }, { keep_within: parseDuration('0d') }]) {
      expect(() => applyRetention(sets, policy, now)).toThrow(UsageError);
      expect(() => applyRetention(sets, policy, now)).toThrow(/keeps nothing would remove every/);
    }
    expect(() => applyRetention(sets, { keep_daily: -1 }, now)).toThrow(
      'retention: keep_daily must be a whole number, 0 or more, got -1',
    );
    expect(() => applyRetention(sets, { keep_daily: 1.5 }, now)).toThrow(UsageError);
  });

  it('refuses invalid times instead of guessing', () => {
    const now = new Date('2026-05-03T00:00Z');
    const bad: RetentionSet = { id: 'x', time: new Date('nope'), status: 'ok' };
    expect(() => applyRetention([bad], { keep_last: 1 }, now)).toThrow(
      'retention: backup set x has no valid time',
    );
    expect(() => applyRetention([], { keep_last: 1 }, new Date('nope'))).toThrow(UsageError);
  });

  it('a keep_within longer than recorded time keeps everything', () => {
    const sets = [set('1970-01-01T00:00'), set('2026-05-01T00:00')];
    const d = applyRetention(sets, { keep_within: parseDuration('999999y') }, new Date());
    expect(d.remove).toEqual([]);
  });
});

describe('docs/retention.md', () => {
  it('the worked example', () => {
    const at = (id: string, status: Status = 'ok') => {
      const m = /^(\d{4}-\d{2}-\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(id)!;
      return set(`${m[1]}T${m[2]}:${m[3]}:${m[4]}`, status, id);
    };
    const sets = [
      at('2026-11-23T031500Z'),
      at('2026-11-22T151500Z'),
      at('2026-11-22T031500Z'),
      at('2026-11-21T031500Z', 'failed'),
      at('2026-11-20T031500Z'),
      at('2026-11-19T031500Z'),
      at('2026-11-15T031500Z'),
      at('2026-11-08T031500Z'),
    ];
    const policy = { keep_last: 2, keep_daily: 3, keep_weekly: 3, keep_monthly: 2 };
    expect(decide(sets, policy, '2026-11-23T12:00')).toEqual({
      keep: [
        [
          '2026-11-23T031500Z',
          ['last snapshot', 'daily snapshot', 'weekly snapshot', 'monthly snapshot'],
        ],
        ['2026-11-22T151500Z', ['last snapshot', 'daily snapshot', 'weekly snapshot']],
        ['2026-11-20T031500Z', ['daily snapshot']],
        ['2026-11-15T031500Z', ['weekly snapshot']],
        ['2026-11-08T031500Z', ['oldest monthly snapshot']],
      ],
      remove: ['2026-11-22T031500Z', '2026-11-19T031500Z'],
      ignored: ['2026-11-21T031500Z'],
    });
    expect(sets.map((s) => isoWeek(s.time))).toEqual([
      '2026-W48',
      '2026-W47',
      '2026-W47',
      '2026-W47',
      '2026-W47',
      '2026-W47',
      '2026-W46',
      '2026-W45',
    ]);
  });
});

describe("restic's documented examples (doc/060_forget.rst)", () => {
  it('one backup every Sunday for 12 weeks, keep_daily 4: the last four Sundays', () => {
    const sundays = [
      '2019-09-01',
      '2019-09-08',
      '2019-09-15',
      '2019-09-22',
      '2019-09-29',
      '2019-10-06',
      '2019-10-13',
      '2019-10-20',
      '2019-10-27',
      '2019-11-03',
      '2019-11-10',
      '2019-11-17',
    ].map((d) => set(`${d}T11:00:00`, 'ok', d));
    const d = decide(sundays, { keep_daily: 4 }, '2019-11-18T00:00');
    expect(d.keep).toEqual(
      ['2019-11-17', '2019-11-10', '2019-11-03', '2019-10-27'].map((id) => [
        id,
        ['daily snapshot'],
      ]),
    );
    expect(d.remove).toEqual(
      sundays
        .slice(0, 8)
        .reverse()
        .map((s) => s.id),
    );
  });

  it('a backup every day for 100 years, keep daily 7, weekly 5, monthly 12, yearly 75', () => {
    // 1926-01-01 .. 2025-12-31, one set a day at noon. Restic's text: 7 dailies, the weeklies
    // the dailies do not already include, 12 or 11 month-ends, 75 or 74 year-ends.
    const sets: RetentionSet[] = [];
    for (let t = Date.UTC(1926, 0, 1, 12); t < Date.UTC(2026, 0, 1); t += 86_400_000) {
      sets.push({ id: new Date(t).toISOString().slice(0, 10), time: new Date(t), status: 'ok' });
    }
    const policy = { keep_daily: 7, keep_weekly: 5, keep_monthly: 12, keep_yearly: 75 };
    const d = applyRetention(sets, policy, new Date('2026-01-01T00:00:00Z'));
    const by = (reason: string) =>
      d.keep.filter((k) => k.reasons.includes(reason)).map((k) => k.set.id);
    expect(by('daily snapshot')).toEqual([
      '2025-12-31',
      '2025-12-30',
      '2025-12-29',
      '2025-12-28',
      '2025-12-27',
      '2025-12-26',
      '2025-12-25',
    ]);
    // 2025-12-31 is a Wednesday: 2026-W01 and 2025-W52 (Sunday the 28th) are among the dailies.
    expect(by('weekly snapshot')).toEqual([
      '2025-12-31',
      '2025-12-28',
      '2025-12-21',
      '2025-12-14',
      '2025-12-07',
    ]);
    expect(by('monthly snapshot')).toHaveLength(12);
    expect(by('monthly snapshot').slice(-1)).toEqual(['2025-01-31']);
    expect(by('yearly snapshot')).toHaveLength(75);
    expect(by('yearly snapshot').slice(-1)).toEqual(['1951-12-31']);
    expect(d.keep).toHaveLength(7 + 3 + 11 + 74);
    expect(d.remove).toHaveLength(sets.length - d.keep.length);
  });
});

describe('isoWeek', () => {
  const table: [string, string][] = [
    ['2026-12-27T23:59:59Z', '2026-W52'],
    ['2026-12-28T00:00:00Z', '2026-W53'],
    ['2027-01-03T23:59:59Z', '2026-W53'],
    ['2027-01-04T00:00:00Z', '2027-W01'],
    ['2021-01-01T12:00:00Z', '2020-W53'],
    ['2024-12-30T12:00:00Z', '2025-W01'],
    ['2008-12-29T12:00:00Z', '2009-W01'],
    ['2023-01-01T12:00:00Z', '2022-W52'],
    ['2026-01-01T00:00:00Z', '2026-W01'],
    ['2026-06-15T12:00:00Z', '2026-W25'],
  ];
  it.each(table)('%s is in %s', (iso, week) => {
    expect(isoWeek(new Date(iso))).toBe(week);
  });
});
