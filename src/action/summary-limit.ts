/**
 * The job summary within GitHub's limit (pure). GitHub refuses a step summary over 1 MiB whole
 * ("$GITHUB_STEP_SUMMARY upload aborted"): nothing of it is shown. A longer one is cut after a
 * whole line, its open code fence and <details> blocks closed, and a note says so.
 */

/** GitHub's limit on one step's summary. */
export const SUMMARY_LIMIT_BYTES = 1024 * 1024;
/** What the action writes at most: the limit less room for anything else the step adds. */
export const SUMMARY_BUDGET_BYTES = 1_000_000;

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

export function fitSummary(markdown: string, budget: number = SUMMARY_BUDGET_BYTES): string {
  const total = bytes(markdown);
  if (total <= budget) return markdown;
  const lines = markdown.split('\n');
  const note = (left: number) =>
    `\n> **This summary is cut short**: it would be ${Math.ceil(total / 1024)} KiB and GitHub ` +
    `shows no step summary over ${SUMMARY_LIMIT_BYTES / 1024} KiB, so its last ${left} ` +
    `line(s) are left out. The step's log and outputs have everything.\n`;
  // The closing text is at most this long (fence, a few </details>, the note).
  const reserve = bytes(note(lines.length)) + 200;
  let used = 0;
  let kept = 0;
  let fence = false;
  let details = 0;
  for (const line of lines) {
    const size = bytes(line) + 1;
    if (used + size + reserve + details * 12 > budget) break;
    used += size;
    kept++;
    if (line.trimStart().startsWith('```')) fence = !fence;
    details += (line.match(/<details[\s>]/g) ?? []).length;
    details -= (line.match(/<\/details>/g) ?? []).length;
  }
  const closing = [
    ...(fence ? ['```'] : []),
    ...Array<string>(Math.max(0, details)).fill('</details>'),
  ];
  return [...lines.slice(0, kept), ...closing, note(lines.length - kept)].join('\n');
}
