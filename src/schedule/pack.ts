/**
 * The job matrix of a plan (pure): the due projects packed into at most `maxJobs` entries so
 * that a fleet never asks GitHub for more jobs than one matrix may hold (256). Each job backs
 * up its projects one after another, so a job's time is about the sum of its projects' last
 * durations: longest-processing-time-first onto the least loaded job keeps the longest job
 * within the average plus the largest project, and puts no two big ones together while
 * another job has room. Same input, same matrix.
 */

import { UsageError } from '../errors.js';

/** GitHub's cap on the jobs one matrix may create. */
export const MAX_MATRIX_JOBS = 256;
/** GitHub's cap on the artifacts one job may upload; each set is one artifact. */
const MAX_JOB_ARTIFACTS = 500;
/** GitHub stops a job on a hosted runner after 6 hours. */
export const JOB_TIME_LIMIT_MS = 6 * 3_600_000;

/** What the catalog knows of a project's newest good set; both absent when none was found. */
export interface LastRun {
  duration_ms?: number | undefined;
  bytes?: number | undefined;
}

export interface PackItem extends LastRun {
  project: string;
}

/** One entry of `strategy.matrix.include`. */
export interface MatrixEntry {
  /** The job's projects, comma-separated, in config order: the backup step's `projects`. */
  projects: string;
  /** 1, 2, ... in matrix order. */
  job: number;
  /** Only in an entry of one project: the key workflows used before entries held several. */
  project?: string;
}

export interface PackedJob {
  job: number;
  projects: string[];
  /** The sum of its projects' weights (see weighItems). */
  weight: number;
  /** Estimated run time from the last durations; null when no due project has one. */
  estimate_ms: number | null;
}

export interface Packing {
  entries: MatrixEntry[];
  jobs: PackedJob[];
}

/**
 * `max-jobs` as the user wrote it (flag `--max-jobs`, input `max-jobs`): a whole number from 1
 * to 256; empty or undefined = 256.
 */
export function parseMaxJobs(where: string, raw: string | undefined): number {
  const text = raw?.trim() ?? '';
  if (text === '') return MAX_MATRIX_JOBS;
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(n >= 1 && n <= MAX_MATRIX_JOBS))
    throw new UsageError(
      `${where}: "${text}" is not a whole number from 1 to ${MAX_MATRIX_JOBS} ` +
        `(GitHub runs at most ${MAX_MATRIX_JOBS} jobs from one matrix)`,
    );
  return n;
}

/** Refuses a fleet that `maxJobs` jobs cannot hold without a job over 500 artifacts. */
export function checkFits(due: number, maxJobs: number): void {
  if (due <= maxJobs * MAX_JOB_ARTIFACTS) return;
  const needed = Math.ceil(due / MAX_JOB_ARTIFACTS);
  throw new UsageError(
    `${due} due projects in ${maxJobs} job(s) would put more than ${MAX_JOB_ARTIFACTS} sets ` +
      `(artifacts) in one job, GitHub's limit per job: set max-jobs to at least ${needed}` +
      (needed > MAX_MATRIX_JOBS ? ' (more than one matrix allows: split the config)' : ''),
  );
}

/** Without any duration, a byte of the last set stands for a millisecond: only ratios matter. */
const FALLBACK_MS_PER_BYTE = 1;

const median = (xs: number[]): number | undefined => {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

const known = (n: number | undefined): n is number =>
  n !== undefined && Number.isFinite(n) && n > 0;

/**
 * A weight per item, in milliseconds: its last duration; else its last size at the median
 * milliseconds per byte of the items that have both; else the median weight of the others;
 * else 1 (nothing known: equal weights, an even spread by count).
 */
export function weighItems(items: readonly PackItem[]): number[] {
  const rate =
    median(
      items
        .filter((i) => known(i.duration_ms) && known(i.bytes))
        .map((i) => i.duration_ms! / i.bytes!),
    ) ?? FALLBACK_MS_PER_BYTE;
  const own = items.map((i) =>
    known(i.duration_ms) ? i.duration_ms : known(i.bytes) ? i.bytes * rate : undefined,
  );
  const fallback = median(own.filter(known)) ?? 1;
  return own.map((w) => Math.max(1, w ?? fallback));
}

/**
 * Packs `items` (the due projects, in config order) into at most `maxJobs` jobs of at most
 * `maxPerJob` projects. Fewer items than jobs: one entry per item, in config order. Throws a
 * RangeError when the items cannot fit (callers check the bounds first).
 */
export function packJobs(
  items: readonly PackItem[],
  maxJobs: number,
  maxPerJob: number = MAX_JOB_ARTIFACTS,
): Packing {
  if (!Number.isInteger(maxJobs) || maxJobs < 1) throw new RangeError(`maxJobs ${maxJobs} < 1`);
  if (items.length > maxJobs * maxPerJob)
    throw new RangeError(`${items.length} projects do not fit ${maxJobs} job(s) of ${maxPerJob}`);
  const weights = weighItems(items);
  // Estimates in time only when some duration anchors the weights.
  const timed = items.some((i) => known(i.duration_ms));
  const count = Math.min(maxJobs, items.length);
  const members: number[][] = Array.from({ length: count }, () => []);
  const load = new Array<number>(count).fill(0);
  if (items.length <= maxJobs) {
    items.forEach((_, i) => members[i]!.push(i));
  } else {
    // Heaviest first; ties in config order, so the result depends on nothing else.
    const order = items.map((_, i) => i).sort((a, b) => weights[b]! - weights[a]! || a - b);
    for (const i of order) {
      let best = -1;
      for (let j = 0; j < count; j++) {
        if (members[j]!.length >= maxPerJob) continue;
        if (best === -1 || load[j]! < load[best]!) best = j;
      }
      members[best]!.push(i);
      load[best]! += weights[i]!;
    }
  }
  const jobs: PackedJob[] = members.map((m, j) => {
    const sorted = [...m].sort((a, b) => a - b);
    const weight = sorted.reduce((n, i) => n + weights[i]!, 0);
    return {
      job: j + 1,
      projects: sorted.map((i) => items[i]!.project),
      weight,
      estimate_ms: timed ? weight : null,
    };
  });
  const entries = jobs.map((j): MatrixEntry => {
    const projects = j.projects.join(',');
    return j.projects.length === 1
      ? { project: j.projects[0]!, projects, job: j.job }
      : { projects, job: j.job };
  });
  return { entries, jobs };
}
