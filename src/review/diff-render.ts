/** A pull request's config plan as markdown for the job summary (pure). */
import type { ProjectConfig } from '../config/types.js';
import {
  describeRetention,
  describeSchedule,
  describeSetting,
  type ProjectDiff,
  type ProjectStatus,
} from './diff.js';

export interface ConfigPlanInput {
  diffs: readonly ProjectDiff[];
  /** What the head was compared with, e.g. "the base branch (`1a2b3c4`)"; null = nothing. */
  base: string | null;
  /** Why there is no base config, when there is none (e.g. "the file is new"). */
  baseNote?: string | undefined;
  /** Lines (markdown) about the wiring of secrets into workflows; empty = all wired. */
  wiring?: readonly string[];
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const MARK: Record<ProjectStatus, string> = {
  added: '➕ added',
  removed: '➖ removed',
  changed: '✏️ changed',
  unchanged: 'unchanged',
};

function destinations(p: ProjectConfig): string {
  return p.destinations
    .map((d) =>
      d === 'branch' ? `branch \`${p.branch}\`${p.repository ? ` in ${p.repository}` : ''}` : d,
    )
    .join(', ');
}

export function renderConfigPlan(input: ConfigPlanInput): string {
  const count = (s: ProjectStatus) => input.diffs.filter((d) => d.status === s).length;
  const lines = ['## Supabase backup config plan', ''];
  lines.push(
    input.base
      ? `Compared with ${input.base}${input.baseNote ? ` (${input.baseNote})` : ''}: ` +
          `${count('added')} added, ${count('removed')} removed, ${count('changed')} changed, ` +
          `${count('unchanged')} unchanged.`
      : `${input.diffs.length} project(s); not compared with a base config` +
          `${input.baseNote ? ` (${input.baseNote})` : ''}.`,
    '',
  );
  lines.push('| project | | schedule | parts | destinations | retention | encryption |');
  lines.push('|---|---|---|---|---|---|---|');
  for (const d of input.diffs) {
    const p = d.project;
    const name = d.status === 'removed' ? `~~${d.name}~~` : `**${d.name}**`;
    lines.push(
      `| ${name} | ${input.base ? MARK[d.status] : ''} | ${cell(describeSchedule(p.schedule))} | ${p.parts.join(', ')} | ` +
        `${cell(destinations(p))} | ${cell(describeRetention(p.retention))} | ` +
        `${cell(describeSetting('encryption', p))} |`,
    );
  }
  lines.push('');
  const changed = input.diffs.filter((d) => d.status === 'changed');
  for (const d of changed) {
    lines.push(`### ${d.name}: ${d.changes.length} setting(s) changed`, '');
    lines.push('| setting | before | after |', '|---|---|---|');
    for (const c of d.changes) lines.push(`| ${c.key} | ${cell(c.from)} | ${cell(c.to)} |`);
    lines.push('');
  }
  const added = input.diffs.filter((d) => d.status === 'added');
  if (added.length > 0) {
    lines.push(
      '### New projects',
      '',
      ...added.map(
        (d) =>
          `- **${d.name}**: connection from \`$${d.project.db_url_secret}\`, engine ` +
          `${d.project.engine}, ${describeSetting('compression', d.project)}; first backup on ` +
          `the next run${d.project.schedule ? ' after its schedule fires' : ''}.`,
      ),
      '',
    );
  }
  const removed = input.diffs.filter((d) => d.status === 'removed');
  if (removed.length > 0) {
    lines.push(
      '### Removed projects',
      '',
      `No more backups of ${removed.map((d) => `**${d.name}**`).join(', ')}. Their existing ` +
        'sets are not deleted: they stay on the backup branch and as artifacts until removed ' +
        'by hand or expired; retention no longer prunes them.',
      '',
    );
  }
  if (input.wiring && input.wiring.length > 0) {
    lines.push('### Secrets in the workflows', '', ...input.wiring, '');
  }
  return lines.join('\n');
}
