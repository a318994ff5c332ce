/**
 * The backup run's whole job summary (pure): the table, warnings and failures
 * (renderSummary), then each project's history charts, kept under GitHub's limit of 1 MiB per
 * step summary. Charts that would not fit are left out with a note saying how many; a table
 * that alone would not fit is cut at a row.
 */
import { CHART_SETS, historyCharts, type HistoryPoint } from './charts.js';
import { renderSummary, type SummaryInput } from './summary.js';

/** GitHub refuses a step summary above 1 MiB; this leaves room for the notes. */
export const SUMMARY_BUDGET = 1024 * 1024 - 8 * 1024;

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

export function renderRunSummary(
  input: SummaryInput,
  history: ReadonlyMap<string, readonly HistoryPoint[]>,
  budget = SUMMARY_BUDGET,
): string {
  let out = renderSummary(input);
  if (bytes(out) > budget) {
    const lines = out.split('\n');
    let kept = '';
    for (const line of lines) {
      if (bytes(kept) + bytes(line) + 1 > budget) break;
      kept += `${line}\n`;
    }
    return `${kept}\n> The summary was cut here: it would exceed GitHub's 1 MiB limit. The \`sets\` output lists every set.\n`;
  }
  const projects = [...history.entries()].filter(([, points]) => points.length > 0);
  if (projects.length === 0) return out;
  out += '\n### History\n\n';
  const open = projects.length <= 3 ? ' open' : '';
  let shown = 0;
  for (const [project, points] of projects) {
    const block =
      `<details${open}><summary><b>${project}</b>: ${Math.min(points.length, CHART_SETS)} newest set(s)</summary>\n\n` +
      `${historyCharts(project, points)}\n\n</details>\n\n`;
    if (bytes(out) + bytes(block) > budget) break;
    out += block;
    shown++;
  }
  if (shown < projects.length) {
    out += `> Charts of ${projects.length - shown} more project(s) are left out to stay under GitHub's 1 MiB summary limit.\n`;
  }
  return out;
}
