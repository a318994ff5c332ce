/** The job summary stays under GitHub's 1 MiB per step, cut at whole lines with a note. */
import { describe, expect, it } from 'vitest';
import {
  fitSummary,
  SUMMARY_BUDGET_BYTES,
  SUMMARY_LIMIT_BYTES,
} from '../../src/action/summary-limit.js';
import { renderPlanSummary } from '../../src/schedule/render.js';
import type { PlanDecision } from '../../src/schedule/due.js';
import { packJobs } from '../../src/schedule/pack.js';

const size = (s: string) => Buffer.byteLength(s, 'utf8');

function decisions(n: number): PlanDecision[] {
  return Array.from({ length: n }, (_, i) => ({
    project: `customer-${String(i).padStart(5, '0')}-ünïcødé`,
    due: i % 3 !== 0,
    reason: 'last good set 2026-11-22T03:02Z is older than the scheduled time 2026-11-23T03:00Z',
    schedule: '0 3 * * *',
    schedule_text: 'every day at 03:00 UTC',
    previous_fire: '2026-11-23T03:00:00.000Z',
    next_fire: '2026-11-24T03:00:00.000Z',
    last_good: '2026-11-22T03:02:00.000Z',
  }));
}

describe('fitSummary', () => {
  it('leaves a summary under the budget as it is', () => {
    const md = renderPlanSummary(decisions(50), new Date('2026-11-23T03:10:00Z'));
    expect(fitSummary(md)).toBe(md);
  });

  it('cuts the plan of a large fleet under 1 MiB, after a whole row, and says so', () => {
    const all = decisions(8000);
    const due = all.filter((d) => d.due).map((d) => ({ project: d.project }));
    const md = renderPlanSummary(all, new Date('2026-11-23T03:10:00Z'), packJobs(due, 256).jobs);
    expect(size(md)).toBeGreaterThan(SUMMARY_LIMIT_BYTES);
    const cut = fitSummary(md);
    expect(size(cut)).toBeLessThanOrEqual(SUMMARY_BUDGET_BYTES);
    const [head = '', note] = cut.split('\n\n> **This summary is cut short**');
    expect(md.startsWith(`${head}\n`)).toBe(true);
    expect(head.endsWith('|')).toBe(true); // the last kept line is a whole table row
    const left = md.split('\n').length - head.split('\n').length;
    expect(note).toContain(`so its last ${left} line(s) are left out`);
    expect(note).toContain(`it would be ${Math.ceil(size(md) / 1024)} KiB`);
  });

  it('closes a code fence and <details> blocks it cuts through', () => {
    const md = [
      '# t',
      '<details><summary>x</summary>',
      '',
      '```',
      ...Array(50).fill('a'.repeat(99)),
    ].join('\n');
    const cut = fitSummary(md, 2000);
    expect(size(cut)).toBeLessThanOrEqual(2000);
    const lines = cut.split('\n');
    const fence = lines.lastIndexOf('```');
    expect(fence).toBeGreaterThan(3);
    expect(lines[fence + 1]).toBe('</details>');
    expect(cut).toContain('This summary is cut short');
  });
});
