/** The plan as markdown for the job summary (pure). */
import type { PlanDecision } from './due.js';

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
/** 2026-11-22T03:15Z, or a dash. */
const minute = (iso: string | null) => (iso ? `${iso.slice(0, 16)}Z` : '-');

export function renderPlanSummary(decisions: readonly PlanDecision[], at: Date): string {
  const due = decisions.filter((d) => d.due);
  const lines = [
    '## Supabase backup plan',
    '',
    `As of ${minute(at.toISOString())}: ${due.length} of ${decisions.length} project(s) due` +
      (due.length > 0 ? `: ${due.map((d) => `**${cell(d.project)}**`).join(', ')}.` : '.'),
    '',
  ];
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
