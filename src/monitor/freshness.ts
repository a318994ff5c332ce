/**
 * `check`: is every project still being backed up? For each project and each destination it is
 * configured with, the newest good set (a readable backup.json) against the project's max_age
 * (src/schedule/staleness.ts). A destination that cannot be read is a problem too, never a pass:
 * a check that cannot look must not say all is well. What people are told: check-alerts.ts.
 */
import type { ProjectConfig } from '../config/types.js';
import { errorMessage } from '../errors.js';
import { formatAge, freshness, maxAgeOf, type Freshness } from '../schedule/staleness.js';
import { Destinations } from '../destinations/registry.js';
import type { LookupOptions } from '../destinations/catalog-reader.js';

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
  const destinations = new Destinations(lookup);
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
