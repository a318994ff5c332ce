/**
 * Which projects a run backs up (pure). A project with a `schedule` is due when no good set
 * exists since the most recent time its schedule fired (<= the run's time): a delayed or skipped
 * run catches up once, and a second run in the same slot does nothing. A project without a
 * schedule is due on every run; a manual run (workflow_dispatch) ignores schedules.
 */
import type { ProjectConfig } from '../config/types.js';
import { describeCron } from './describe.js';
import { nextFire, previousFire } from '../config/cron.js';
import {
  MAX_MATRIX_JOBS,
  packJobs,
  type LastRun,
  type MatrixEntry,
  type PackedJob,
} from './pack.js';

/** Events on which every selected project is due, whatever its schedule. */
const MANUAL_EVENTS: readonly string[] = ['workflow_dispatch'];

export function isDue(
  project: Pick<ProjectConfig, 'schedule'>,
  at: Date,
  lastGoodSetTime: Date | undefined,
): boolean {
  if (project.schedule === undefined) return true;
  if (lastGoodSetTime === undefined) return true;
  return lastGoodSetTime.getTime() < previousFire(project.schedule, at).getTime();
}

export interface PlanDecision {
  project: string;
  due: boolean;
  /** Why, in a sentence fragment: "never backed up", "last good set ... is after ...". */
  reason: string;
  schedule: string | null;
  /** The schedule in words; null without one. */
  schedule_text: string | null;
  /** The schedule's latest time <= the run's time, and its next one (ISO); null without one. */
  previous_fire: string | null;
  next_fire: string | null;
  /** Start of the newest good set found (ISO); null when none was found. */
  last_good: string | null;
}

export interface PlanInput {
  projects: readonly ProjectConfig[];
  at: Date;
  /** GITHUB_EVENT_NAME; manual events make everything due. */
  eventName?: string | undefined;
  lastGood: ReadonlyMap<string, Date | undefined>;
}

export function planProjects(input: PlanInput): PlanDecision[] {
  const manual = input.eventName !== undefined && MANUAL_EVENTS.includes(input.eventName);
  return input.projects.map((p) => {
    const last = input.lastGood.get(p.name);
    const base = {
      project: p.name,
      schedule: p.schedule ?? null,
      schedule_text: p.schedule === undefined ? null : describeCron(p.schedule),
      previous_fire: null as string | null,
      next_fire: null as string | null,
      last_good: last?.toISOString() ?? null,
    };
    if (p.schedule === undefined)
      return { ...base, due: true, reason: 'no schedule: due on every run' };
    const previous = previousFire(p.schedule, input.at);
    const withTimes = {
      ...base,
      previous_fire: previous.toISOString(),
      next_fire: nextFire(p.schedule, input.at).toISOString(),
    };
    if (manual)
      return { ...withTimes, due: true, reason: `${input.eventName}: schedules are ignored` };
    if (last === undefined) return { ...withTimes, due: true, reason: 'no good set found' };
    const due = isDue(p, input.at, last);
    const when = `last good set ${iso(last)}`;
    return {
      ...withTimes,
      due,
      reason: due
        ? `${when} is older than the scheduled time ${iso(previous)}`
        : `${when} is not older than the scheduled time ${iso(previous)}; next at ${iso(new Date(withTimes.next_fire))}`,
    };
  });
}

/** 2026-11-22T03:15Z */
const iso = (d: Date) => `${d.toISOString().slice(0, 16)}Z`;

export interface MatrixOutput {
  /** Comma list of the due projects, in config order ('' when none). */
  projects: string;
  /** For `strategy.matrix: ${{ fromJSON(needs.plan.outputs.matrix) }}`; at most maxJobs entries. */
  matrix: { include: MatrixEntry[] };
  /** The jobs of the matrix, with their weights and estimated times. */
  jobs: PackedJob[];
}

/**
 * The due projects as a job matrix of at most `maxJobs` entries, balanced by what `lastRuns`
 * knows of each project's newest set (see pack.ts).
 */
export function matrixOf(
  decisions: readonly PlanDecision[],
  lastRuns: ReadonlyMap<string, LastRun> = new Map(),
  maxJobs: number = MAX_MATRIX_JOBS,
): MatrixOutput {
  const due = decisions.filter((d) => d.due).map((d) => d.project);
  const { entries, jobs } = packJobs(
    due.map((project) => ({ project, ...lastRuns.get(project) })),
    maxJobs,
  );
  return { projects: due.join(','), matrix: { include: entries }, jobs };
}
