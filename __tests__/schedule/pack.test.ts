/** The job matrix of a fleet: every due project once, at most max-jobs entries, balanced. */
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import {
  checkFits,
  MAX_MATRIX_JOBS,
  packJobs,
  parseMaxJobs,
  weighItems,
  type PackItem,
} from '../../src/schedule/pack.js';

/** A small deterministic generator (mulberry32), so a failing case can be reproduced. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `n` projects with heavy-tailed durations and sizes; some unknown, some with only a size. */
function fleet(n: number, seed: number): PackItem[] {
  const r = random(seed);
  return Array.from({ length: n }, (_, i) => {
    const project = `p${String(i).padStart(4, '0')}`;
    const kind = r();
    const ms = Math.round(1000 + 3_600_000 * r() ** 6);
    if (kind < 0.1) return { project };
    if (kind < 0.2) return { project, bytes: Math.round(ms * 50_000) };
    return { project, duration_ms: ms, bytes: Math.round(ms * 40_000 * (0.5 + r())) };
  });
}

const names = (entries: { projects: string }[]) => entries.flatMap((e) => e.projects.split(','));

describe('packJobs', () => {
  const cases: [n: number, maxJobs: number, seed: number][] = [
    [600, 256, 1],
    [2000, 256, 2],
    [257, 256, 3],
    [50, 7, 4],
    [999, 1, 5],
    [40, 3, 6],
  ];
  it.each(cases)(
    '%i projects in at most %i jobs: each once, balanced (seed %i)',
    (n, maxJobs, seed) => {
      const items = fleet(n, seed);
      const { entries, jobs } = packJobs(items, maxJobs, Infinity);
      expect(entries.length).toBe(Math.min(n, maxJobs));
      expect(entries.map((e) => e.job)).toEqual(entries.map((_, i) => i + 1));
      const listed = names(entries);
      expect(listed).toHaveLength(n);
      expect(new Set(listed)).toEqual(new Set(items.map((i) => i.project)));
      // Greedy onto the least loaded job: no job exceeds the average by more than one project.
      const weights = weighItems(items);
      const total = weights.reduce((a, b) => a + b, 0);
      const largest = Math.max(...weights);
      const longest = Math.max(...jobs.map((j) => j.weight));
      expect(longest).toBeLessThanOrEqual(total / entries.length + largest + 1e-6);
      // Each job's projects stay in config order, and the entry says what the job holds.
      for (const [i, job] of jobs.entries()) {
        expect([...job.projects].sort()).toEqual(job.projects);
        expect(entries[i]!.projects).toBe(job.projects.join(','));
        expect(entries[i]!.project).toBe(job.projects.length === 1 ? job.projects[0] : undefined);
      }
    },
  );

  it('gives the same matrix for the same input', () => {
    const items = fleet(1500, 9);
    expect(JSON.stringify(packJobs(items, 256))).toBe(JSON.stringify(packJobs(items, 256)));
    // Equal weights everywhere (nothing known): an even spread by count, still deterministic.
    const unknown = items.map(({ project }) => ({ project }));
    const packed = packJobs(unknown, 256);
    const sizes = packed.jobs.map((j) => j.projects.length);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    expect(packed).toEqual(packJobs(unknown, 256));
  });

  it('spreads the big projects over different jobs', () => {
    // 20 projects of two hours among 580 of a minute: one per job, never two together.
    const items: PackItem[] = Array.from({ length: 600 }, (_, i) => ({
      project: `p${String(i).padStart(3, '0')}`,
      duration_ms: i % 30 === 7 ? 7_200_000 : 60_000,
    }));
    const big = new Set(items.filter((i) => i.duration_ms === 7_200_000).map((i) => i.project));
    const { jobs } = packJobs(items, 256);
    for (const job of jobs) expect(job.projects.filter((p) => big.has(p)).length).toBeLessThan(2);
    // A job with a big project gets nothing else while another job has room below it.
    for (const job of jobs.filter((j) => j.projects.some((p) => big.has(p))))
      expect(job.projects).toHaveLength(1);
    expect(jobs.every((j) => j.estimate_ms !== null && j.estimate_ms <= 7_200_000)).toBe(true);
  });

  it('keeps one project per entry, in config order, with the "project" key, when they fit', () => {
    const items = fleet(5, 11);
    const { entries } = packJobs(items, 256);
    expect(entries).toEqual(
      items.map((i, n) => ({ project: i.project, projects: i.project, job: n + 1 })),
    );
    expect(packJobs([], 256)).toEqual({ entries: [], jobs: [] });
  });

  it('never puts more than maxPerJob projects in a job', () => {
    const items = fleet(1000, 12);
    const { jobs } = packJobs(items, 3, 400);
    expect(jobs.map((j) => j.projects.length).every((n) => n <= 400)).toBe(true);
    expect(() => packJobs(items, 2, 400)).toThrow(RangeError);
  });
});

describe('weighItems', () => {
  it('uses the duration, else the size at the fleet rate, else the median', () => {
    const w = weighItems([
      { project: 'a', duration_ms: 1000, bytes: 10_000 },
      { project: 'b', duration_ms: 3000, bytes: 10_000 },
      { project: 'c', bytes: 20_000 },
      { project: 'd' },
    ]);
    // The rate is the median of 0.1 and 0.3 ms per byte: 0.2.
    expect(w).toEqual([1000, 3000, 4000, 3000]);
    expect(weighItems([{ project: 'x' }, { project: 'y' }])).toEqual([1, 1]);
    expect(weighItems([{ project: 'x', bytes: 500 }, { project: 'y' }])).toEqual([500, 500]);
  });
});

describe('max-jobs', () => {
  it('is a whole number from 1 to 256, 256 when not given', () => {
    expect(parseMaxJobs('--max-jobs', undefined)).toBe(MAX_MATRIX_JOBS);
    expect(parseMaxJobs('--max-jobs', ' ')).toBe(256);
    expect(parseMaxJobs('--max-jobs', '1')).toBe(1);
    expect(parseMaxJobs('--max-jobs', '256')).toBe(256);
    for (const bad of ['0', '257', '-3', '2.5', 'many', '1e2']) {
      expect(() => parseMaxJobs('--max-jobs', bad)).toThrow(UsageError);
    }
    expect(() => parseMaxJobs('input max-jobs', '300')).toThrow(
      'input max-jobs: "300" is not a whole number from 1 to 256',
    );
  });

  it('refuses a fleet that would put more than 500 sets in one job', () => {
    expect(() => checkFits(1000, 2)).not.toThrow();
    expect(() => checkFits(1001, 2)).toThrow('set max-jobs to at least 3');
  });
});
