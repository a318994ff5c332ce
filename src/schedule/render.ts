/** The plan as markdown for the job summary (pure). */
import type { PlanDecision } from './due.js';
import type { PackedJob } from './pack.js';

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
/** 2026-11-22T03:15Z, or a dash. */
const minute = (iso: string | null) => (iso ? `${iso.slice(0, 16)}Z` : '-');

const hours = (ms: number | null) => (ms === null ? '-' : `${(ms / 3_600_000).toFixed(2)} h`);

/** The matrix's jobs, when some job holds more than one project (else one job per project). */
function jobLines(jobs: readonly PackedJob[]): string[] {
  if (!jobs.some((j) => j.projects.length > 1)) return [];
  const largest = Math.max(...jobs.map((j) => j.projects.length));
  const longest = Math.max(...jobs.map((j) => j.estimate_ms ?? 0));
  return [
    `Matrix: ${jobs.length} job(s), up to ${largest} project(s) each` +
      (longest > 0 ? `; the longest is estimated at ${hours(longest)} from the last sets.` : '.'),
    '',
    '<details><summary>Jobs</summary>',
    '',
    '| job | projects | estimate |',
    '|---|---|---|',
    ...jobs.map((j) => `| ${j.job} | ${cell(j.projects.join(', '))} | ${hours(j.estimate_ms)} |`),
    '',
    '</details>',
    '',
  ];
}

export function renderPlanSummary(
  decisions: readonly PlanDecision[],
  at: Date,
  jobs: readonly PackedJob[] = [],
): string {
  const due = decisions.filter((d) => d.due);
  const lines = [
    '## Supabase backup plan',
    '',
    `As of ${minute(at.toISOString())}: ${due.length} of ${decisions.length} project(s) due` +
      (due.length > 0 ? `: ${due.map((d) => `**${cell(d.project)}**`).join(', ')}.` : '.'),
    '',
  ];
  lines.push(...jobLines(jobs));
  if (decisions.length === 0) return lines.join('\n');
  lines.push('| project | due | schedule | last good set | next scheduled | why |');
  lines.push('|---|---|---|---|---|---|');
  for (const d of decisions) {
    const schedule = d.schedule
      ? `${cell(d.schedule_text ?? '')} (\`${d.schedule}\`)`
      : 'every run';
    lines.push(
      `| ${cell(d.project)} | ${d.due ? 'yes' : 'no'} | ${schedule} | ${minute(d.last_good)} | ` +
        `${minute(d.next_fire)} | ${cell(d.reason)} |`,
    );
  }
  lines.push('');
  return lines.join('\n');
}
