/**
 * `check`: is every project still being backed up? For each project and each destination it is
 * configured with, the newest good set (a readable backup.json) against the project's max_age
 * (src/plan/staleness.ts). A destination that cannot be read is a problem too, never a pass:
 * a check that cannot look must not say all is well. Stale projects get one error annotation
 * each and the alert issue (alerts.issues); `check` closes only an issue it opened itself.
 */
import type { ProjectConfig } from '../config/types.js';
import { errorMessage } from '../errors.js';
import { formatAge, freshness, maxAgeOf, type Freshness } from '../plan/staleness.js';
import { alertOctokit } from '../report/issues.js';
import { reportFresh, reportStale } from '../report/stale-issues.js';
import { Destinations } from '../stores/registry.js';
import type { LookupOptions } from './plan-catalog.js';

export type CheckState = Freshness | 'UNREADABLE';

export interface CheckRow {
  project: string;
  destination: string;
  /** Where, for people ("branch supabase-backups of o/r"); the destination's name when unreachable. */
  where: string;
  state: CheckState;
  /** "<set-id>" of the newest good set there, or null. */
  newest_set: string | null;
  /** Its start (ISO), or null. */
  newest_time: string | null;
  age_seconds: number | null;
  max_age: string;
  max_age_seconds: number;
  max_age_source: 'config' | 'schedule' | 'no schedule';
  /** UNREADABLE: why (no secrets). */
  error?: string;
}

export interface CheckOutcome {
  at: string;
  rows: CheckRow[];
  /** Projects with a row that is not OK, in config order. */
  stale: string[];
}

export interface CheckOptions extends LookupOptions {
  now: Date;
}

const iso = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

export async function check(
  projects: readonly ProjectConfig[],
  options: CheckOptions,
): Promise<CheckOutcome> {
  const { now, ...lookup } = options;
  const destinations = new Destinations({ ...lookup, env: options.env ?? process.env });
  const rows: CheckRow[] = [];
  for (const project of projects) {
    const maxAge = maxAgeOf(project, now);
    const base = {
      project: project.name,
      max_age: maxAge.text,
      max_age_seconds: maxAge.seconds,
      max_age_source: maxAge.source,
    };
    for (const name of project.destinations) {
      let where: string = name;
      try {
        const d = destinations.get(name, project);
        where = d.where;
        const ok = (await d.list(project.name)).filter(
          (s) => s.status === 'ok' && !Number.isNaN(s.time.getTime()),
        );
        const newest = ok.sort((a, b) => b.time.getTime() - a.time.getTime())[0];
        rows.push({
          ...base,
          destination: name,
          where,
          state: freshness(newest?.time, maxAge),
          newest_set: newest?.setId ?? null,
          newest_time: newest ? iso(newest.time) : null,
          age_seconds: newest ? Math.round((now.getTime() - newest.time.getTime()) / 1000) : null,
        });
      } catch (err) {
        options.signal?.throwIfAborted();
        rows.push({
          ...base,
          destination: name,
          where,
          state: 'UNREADABLE',
          newest_set: null,
          newest_time: null,
          age_seconds: null,
          error: errorMessage(err),
        });
      }
    }
  }
  const stale = projects
    .map((p) => p.name)
    .filter((n) => rows.some((r) => r.project === n && r.state !== 'OK'));
  return { at: iso(now), rows, stale };
}

/** One line for people about a row that is not OK. */
export function problemLine(r: CheckRow): string {
  switch (r.state) {
    case 'STALE':
      return `${r.where}: the newest good set, ${r.newest_set}, is ${formatAge(r.age_seconds! * 1000)} old (max_age ${r.max_age})`;
    case 'NONE':
      return `${r.where}: no good set at all (max_age ${r.max_age})`;
    case 'UNREADABLE':
      return `${r.where}: cannot be read (${r.error ?? 'unknown error'})`;
    case 'OK':
      return `${r.where}: ${r.newest_set}, ${formatAge(r.age_seconds! * 1000)} old`;
  }
}

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

export interface CheckAlertOptions extends CheckOptions {
  runUrl: string | null;
  redact: (text: string) => string;
}

/**
 * One error annotation per stale project, and its alert issue when alerts.issues is set. Never
 * throws for an issue that cannot be written: that is a warning, and the check's own exit code
 * stays what the sets made it.
 */
export async function reportCheck(
  projects: readonly ProjectConfig[],
  outcome: CheckOutcome,
  options: CheckAlertOptions,
): Promise<void> {
  const { logger, redact, github } = options;
  for (const name of outcome.stale) {
    const lines = outcome.rows.filter((r) => r.project === name && r.state !== 'OK');
    logger.error(redact(`${name}: backups are not recent: ${lines.map(problemLine).join('; ')}`));
  }
  const withIssues = projects.filter((p) => p.alerts?.issues);
  if (withIssues.length === 0) return;
  const [owner = '', repo = ''] = (github?.repository ?? '').split('/');
  if (!github?.token || !owner || !repo) {
    logger.warning(
      'alerts.issues needs the workflow repository and github-token (issues: write); no issues are opened or closed',
    );
    return;
  }
  try {
    const octokit = await alertOctokit(github.token, github.apiUrl, { signal: options.signal });
    for (const p of withIssues) {
      const rows = outcome.rows.filter((r) => r.project === p.name);
      try {
        if (outcome.stale.includes(p.name)) {
          const lines = rows.filter((r) => r.state !== 'OK').map((r) => redact(problemLine(r)));
          const r = await reportStale(
            octokit,
            { owner, repo },
            { project: p.name, lines, runUrl: options.runUrl },
          );
          logger.info(`${p.name}: ${r.opened ? 'opened' : 'commented on'} issue #${r.issue}`);
        } else {
          const newest =
            rows
              .map((r) => r.newest_time ?? '')
              .sort()
              .at(-1) ?? '';
          const closed = await reportFresh(
            octokit,
            { owner, repo },
            { project: p.name, newest, runUrl: options.runUrl },
          );
          if (closed !== undefined) logger.info(`${p.name}: fresh again; closed issue #${closed}`);
        }
      } catch (err) {
        logger.warning(redact(`${p.name}: the alert issue failed: ${errorMessage(err)}`));
      }
    }
  } catch (err) {
    logger.warning(redact(`alert issues could not be written: ${errorMessage(err)}`));
  }
}
