/** The line kinds of data.sql that the --tables filter and the drill's cron filter share. */
import { describe, expect, it } from 'vitest';
import { DataLines, type DataLineKind } from '../../src/dump/data-lines.js';

const CRON = "SELECT cron.schedule_in_database('tick', '* * * * *', 'select 1', NULL, NULL, true);";

/** Each line's kind, read once as latin1 text and once as bytes, with and without its LF. */
function kinds(lines: string[]): DataLineKind[] {
  const ways = [
    (l: string) => l,
    (l: string) => `${l}\n`,
    (l: string) => Buffer.from(l, 'latin1'),
    (l: string) => Buffer.from(`${l}\n`, 'latin1'),
  ];
  const results = ways.map((way) => {
    const tracker = new DataLines();
    return lines.map((l) => tracker.next(way(l)));
  });
  for (const r of results.slice(1)) expect(r).toEqual(results[0]);
  return results[0]!;
}

describe('DataLines', () => {
  it('ends a COPY block only at a line that is exactly \\. (a CR allowed)', () => {
    expect(
      kinds([
        'COPY "public"."notes" ("body") FROM stdin;',
        CRON,
        '\\\\.',
        '\\.x',
        '\\.\r\r',
        ' \\.',
        'COPY public.other (id) FROM stdin;',
        '\\.\r',
        'COPY "public"."t" FROM stdin;',
        '\\.',
      ]),
    ).toEqual([
      'copy-header',
      'copy-row',
      'copy-row',
      'copy-row',
      'copy-row',
      'copy-row',
      'copy-row',
      'copy-end',
      'copy-header',
      'copy-end',
    ]);
  });

  it('finds the cron jobs outside COPY blocks only, and nothing else', () => {
    expect(
      kinds([
        'SET session_replication_role = replica;',
        "SELECT pg_catalog.setval('public.s', 1, true);",
        'COPYING',
        'SELECT cron',
        ' SELECT cron.schedule(1);',
        '\\.',
        CRON,
        'select cron.schedule(1);',
        '',
      ]),
    ).toEqual(['other', 'other', 'other', 'other', 'other', 'other', 'cron-job', 'other', 'other']);
  });

  it('knows whether a block is still open', () => {
    const lines = new DataLines();
    expect(lines.insideCopy).toBe(false);
    lines.next('COPY public.t (id) FROM stdin;');
    lines.next('1');
    expect(lines.insideCopy).toBe(true);
    lines.next(Buffer.from('\\.\n'));
    expect(lines.insideCopy).toBe(false);
  });
});
