/**
 * Is a project's newest good set too old? (pure) `max_age` as written in the config, else twice
 * the longest gap between two runs of the project's schedule (one late or dropped run is not an
 * alarm, two are), else 26 hours (a daily workflow, and its start delayed by up to two hours).
 */
import { formatDuration, subtractDuration } from '../config/duration.js';
import type { ProjectConfig } from '../config/types.js';
import { longestGapMs } from '../config/cron.js';

const NO_SCHEDULE_MAX_AGE_MS = 26 * 3_600_000;

export interface MaxAge {
  /** Sets that started before this time (ms since the epoch) are too old. */
  cutoff: number;
  /** How long that is before the check's time, in seconds. */
  seconds: number;
  /** For people: "26h", "2d", "1w 2d"... */
  text: string;
  /** Where it comes from. */
  source: 'config' | 'schedule' | 'no schedule';
}

export function maxAgeOf(project: ProjectConfig, at: Date): MaxAge {
  if (project.max_age) {
    const cutoff = subtractDuration(at, project.max_age);
    const seconds = Math.round((at.getTime() - cutoff) / 1000);
    return { cutoff, seconds, text: formatDuration(project.max_age), source: 'config' };
  }
  const ms = project.schedule ? 2 * longestGapMs(project.schedule, at) : NO_SCHEDULE_MAX_AGE_MS;
  return {
    cutoff: at.getTime() - ms,
    seconds: Math.round(ms / 1000),
    text: formatAge(ms),
    source: project.schedule ? 'schedule' : 'no schedule',
  };
}

export type Freshness = 'OK' | 'STALE' | 'NONE';

/** OK when the newest good set started at or after the cutoff; NONE when there is none. */
export function freshness(newest: Date | undefined, maxAge: MaxAge): Freshness {
  if (newest === undefined) return 'NONE';
  return newest.getTime() >= maxAge.cutoff ? 'OK' : 'STALE';
}

/** 90 s -> "1min", 26 h -> "26h", 48 h -> "48h", 50 h -> "2d 2h", 9 days -> "9d" (whole minutes, rounded down). */
export function formatAge(ms: number): string {
  const minutes = Math.max(0, Math.floor(ms / 60_000));
  const [d, h, m] = [Math.floor(minutes / 1440), Math.floor(minutes / 60) % 24, minutes % 60];
  if (minutes < 60) return `${m}min`;
  if (minutes <= 48 * 60) return m === 0 ? `${d * 24 + h}h` : `${d * 24 + h}h ${m}min`;
  return h === 0 ? `${d}d` : `${d}d ${h}h`;
}
