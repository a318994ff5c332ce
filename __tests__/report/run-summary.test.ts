/** History charts in the job summary, and the 1 MiB limit for many projects. */
import { describe, expect, it } from 'vitest';
import { FORMAT, FORMAT_VERSION, type BackupManifest } from '../../src/catalog/backup-json.js';
import { historyCharts, type HistoryPoint } from '../../src/report/charts.js';
import { renderRunSummary, SUMMARY_BUDGET } from '../../src/report/run-summary.js';
import type { SummarySet } from '../../src/report/summary.js';

const sha = 'a'.repeat(64);
const setId = (day: number, hour = 3) =>
  `2026-${String(10 + Math.floor(day / 28)).padStart(2, '0')}-${String((day % 28) + 1).padStart(2, '0')}T${String(hour).padStart(2, '0')}1500Z`;

function history(n: number, scale = 1): HistoryPoint[] {
  return Array.from({ length: n }, (_, i) => ({
    set_id: setId(i),
    bytes: Math.round((40 + i) * 1024 * 1024 * scale),
    duration_ms: 60_000 + i * 1000,
  }));
}

function set(project: string): SummarySet {
  const m: BackupManifest = {
    format: FORMAT,
    format_version: FORMAT_VERSION,
    project,
    ref: null,
    set_id: '2026-11-23T031500Z',
    started_at: '2026-11-23T03:15:00.000Z',
    finished_at: '2026-11-23T03:16:02.000Z',
    engine: 'pg-dump',
    tools: {},
    server: { version: '15.8', major: 15 },
    parts: [
      {
        part: 'data',
        file: 'data.sql.zst',
        bytes: 41 * 1024 * 1024,
        sha256: sha,
        raw_bytes: 400 * 1024 * 1024,
        raw_sha256: sha,
        compression: 'zstd',
        encryption: null,
        duration_ms: 62_000,
      },
    ],
    tables: [{ schema: 'public', name: 'orders', rows: 1000 }],
    materialized_views: [],
    warnings: [],
  };
  return {
    manifest: m,
    stored: [
      `[artifact supabase-backup-${project}](https://github.com/a/b/actions/runs/1/artifacts/2)`,
    ],
  };
}

describe('historyCharts', () => {
  it('draws stored size as bars and duration as a line, in units that fit', () => {
    const md = historyCharts('prod', history(3));
    expect(md).toBe(
      [
        '```mermaid',
        'xychart-beta',
        '  title "prod: stored size, last 3 set(s)"',
        '  x-axis ["10-01 03:15", "10-02 03:15", "10-03 03:15"]',
        '  y-axis "MiB" 0 --> 46.2',
        '  bar [40, 41, 42]',
        '```',
        '',
        '```mermaid',
        'xychart-beta',
        '  title "prod: duration"',
        '  x-axis ["10-01 03:15", "10-02 03:15", "10-03 03:15"]',
        '  y-axis "s" 0 --> 68.2',
        '  line [60, 61, 62]',
        '```',
      ].join('\n'),
    );
  });

  it('keeps the newest 30 sets, oldest first', () => {
    const md = historyCharts('prod', history(45).reverse());
    expect(md).toContain('last 30 set(s)');
    expect(md).toContain('bar [55, 56,');
    expect(md).toContain(', 84]');
  });

  it('long runs in minutes, small sets in KiB', () => {
    const md = historyCharts('p', [{ set_id: setId(0), bytes: 2048, duration_ms: 20 * 60_000 }]);
    expect(md).toContain('y-axis "KiB"');
    expect(md).toContain('y-axis "min"');
    expect(md).toContain('line [20]');
  });
});

describe('renderRunSummary', () => {
  it('adds a chart section per project after the table', () => {
    const md = renderRunSummary(
      { sets: [set('prod')], failures: [] },
      new Map([['prod', history(5)]]),
    );
    expect(md.indexOf('| prod |')).toBeLessThan(md.indexOf('### History'));
    expect(md).toContain('<details open><summary><b>prod</b>: 5 newest set(s)</summary>');
    expect(md.match(/```mermaid/g)).toHaveLength(2);
  });

  it("300 projects x 30 sets stay under GitHub's 1 MiB, every chart included", () => {
    const names = Array.from({ length: 300 }, (_, i) => `project-${String(i).padStart(3, '0')}`);
    const md = renderRunSummary(
      { sets: names.map(set), failures: [] },
      new Map(names.map((n) => [n, history(30, 1000)])),
    );
    expect(Buffer.byteLength(md)).toBeLessThan(1024 * 1024);
    expect(md.match(/```mermaid/g)).toHaveLength(600);
    expect(md).not.toContain('left out');
  });

  it('charts that would not fit are left out with a note, whole', () => {
    const names = Array.from({ length: 300 }, (_, i) => `p${i}`);
    const budget = 200_000;
    const md = renderRunSummary(
      { sets: names.map(set), failures: [] },
      new Map(names.map((n) => [n, history(30)])),
      budget,
    );
    expect(Buffer.byteLength(md)).toBeLessThanOrEqual(budget + 200);
    const shown = md.match(/<details>/g)?.length ?? 0;
    expect(shown).toBeGreaterThan(0);
    expect(md).toContain(`> Charts of ${300 - shown} more project(s) are left out`);
    expect(md.match(/<details>/g)).toHaveLength(md.match(/<\/details>/g)!.length);
  });

  it('a table that alone is too big is cut at a row, with a note', () => {
    const names = Array.from({ length: 3000 }, (_, i) => `p${i}`);
    const md = renderRunSummary({ sets: names.map(set), failures: [] }, new Map(), 100_000);
    expect(Buffer.byteLength(md)).toBeLessThanOrEqual(100_000 + 200);
    expect(md).toMatch(/\|\n\n> The summary was cut here/);
    expect(SUMMARY_BUDGET).toBeLessThan(1024 * 1024);
  });
});

it('sets within one minute get seconds in their labels', () => {
  const md = historyCharts('p', [
    { set_id: '2026-11-23T163105Z', bytes: 1, duration_ms: 1 },
    { set_id: '2026-11-23T163150Z', bytes: 1, duration_ms: 1 },
  ]);
  expect(md).toContain('x-axis ["11-23 16:31:05", "11-23 16:31:50"]');
});
