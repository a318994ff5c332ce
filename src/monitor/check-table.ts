/** The check's table, as text for the log and stdout and as Markdown for the job summary. */
import { formatAge } from '../schedule/staleness.js';
import type { CheckOutcome } from './freshness.js';

/** A fixed-width table: project, destination, newest set, age, max_age, state. */
export function renderCheckText(outcome: CheckOutcome): string {
  const head = ['PROJECT', 'DESTINATION', 'NEWEST SET', 'AGE', 'MAX AGE', 'STATE'];
  const body = outcome.rows.map((r) => [
    r.project,
    r.destination,
    r.newest_set ?? '-',
    r.age_seconds === null ? '-' : formatAge(r.age_seconds * 1000),
    r.max_age,
    r.state,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  return [head, ...body]
    .map((row) => row.map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i]!))).join('  '))
    .join('\n');
}

/** The same table in Markdown, for the job summary. */
export function renderCheckMarkdown(outcome: CheckOutcome): string {
  const esc = (t: string) => t.replace(/[|\\`*_<>[\]]/g, (c) => `\\${c}`);
  const lines = [
    `### Backup freshness (${outcome.at})`,
    '',
    '| Project | Destination | Newest set | Age | max_age | State |',
    '|---|---|---|---|---|---|',
    ...outcome.rows.map(
      (r) =>
        `| ${esc(r.project)} | ${esc(r.where)} | ${r.newest_set ?? '—'} | ${r.age_seconds === null ? '—' : formatAge(r.age_seconds * 1000)} | ${r.max_age} | ${r.state === 'OK' ? 'OK' : `**${r.state}**`} |`,
    ),
  ];
  return lines.join('\n') + '\n';
}
