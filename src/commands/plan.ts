/**
 * plan: which projects are due at a time, from their schedules and the newest good set each
 * has where its sets go (the backup branch's manifest.json, the workflow's artifacts, the local
 * output directory). Reading a place that fails is a warning, never a skipped backup: a project
 * whose sets cannot be found is due.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseBackupJson } from '../catalog/backup-json.js';
import { setIdToDate, SET_MARKER } from '../catalog/naming.js';
import type { Manifest } from '../catalog/manifest.js';
import { selectProjects } from '../config/load.js';
import type { Config, ProjectConfig } from '../config/types.js';
import { errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import { matrixOf, planProjects, type MatrixOutput, type PlanDecision } from '../plan/due.js';
import {
  createOctokit,
  listBackupArtifacts,
  parseArtifactName,
} from '../stores/artifact-retention.js';
import { readBranchManifest } from '../stores/branch.js';
import { findSetDirs } from '../set/verify.js';
import { branchTargetFor, type GitHubContext } from './store.js';

export interface PlanOptions {
  config: Config;
  /** Project names (or comma lists); empty = all. */
  projects: string[];
  at: Date;
  /** GITHUB_EVENT_NAME; workflow_dispatch makes every selected project due. */
  eventName?: string | undefined;
  /** Undefined outside GitHub: only the local directory is looked at. */
  github?: GitHubContext | undefined;
  /** The local output directory (`--out`, `out-dir`); undefined = not looked at. */
  outDir?: string | undefined;
  logger: Logger;
  workDir: string;
  signal?: AbortSignal | undefined;
}

export interface PlanOutcome extends MatrixOutput {
  decisions: PlanDecision[];
}

export async function plan(options: PlanOptions): Promise<PlanOutcome> {
  const projects = selectProjects(options.config, options.projects);
  const manual = options.eventName === 'workflow_dispatch';
  // A manual run needs no look-up; neither does a project without a schedule.
  const lookup = manual ? [] : projects.filter((p) => p.schedule !== undefined);
  const lastGood = await lastGoodSets(lookup, options);
  const decisions = planProjects({
    projects,
    at: options.at,
    eventName: options.eventName,
    lastGood,
  });
  for (const d of decisions) {
    const when = d.schedule_text ? ` (${d.schedule_text})` : '';
    options.logger.info(`${d.project}${when}: ${d.due ? 'due' : 'not due'}: ${d.reason}`);
  }
  return { decisions, ...matrixOf(decisions) };
}

type LookupOptions = Pick<PlanOptions, 'github' | 'outDir' | 'logger' | 'workDir' | 'signal'>;

/** The start of each project's newest good set, over every place its sets go; undefined = none. */
export async function lastGoodSets(
  projects: readonly ProjectConfig[],
  options: LookupOptions,
): Promise<Map<string, Date | undefined>> {
  const manifests = new Map<string, Promise<Manifest | null>>();
  const artifacts = new Map<string, Promise<Map<string, Date>>>();
  const out = new Map<string, Date | undefined>();
  for (const project of projects) {
    const found: Date[] = [];
    const attempt = async (where: string, fn: () => Promise<Date | undefined>) => {
      try {
        const d = await fn();
        if (d !== undefined) found.push(d);
      } catch (err) {
        options.logger.warning(
          `${project.name}: cannot read the sets in ${where} (${errorMessage(err)}); planning without them`,
        );
      }
    };
    const github = options.github;
    if (github && project.destinations.includes('branch') && branchRepository(project, github)) {
      await attempt(`the backup branch ${project.branch}`, async () => {
        const target = branchTargetFor(project, github);
        const key = `${target.remoteUrl}#${target.branch}`;
        if (!manifests.has(key)) manifests.set(key, readBranchManifest(target, options));
        const manifest = await manifests.get(key)!;
        return newest(
          (manifest?.sets ?? [])
            .filter((e) => e.project === project.name)
            .map((e) => new Date(e.started_at)),
        );
      });
    }
    if (github?.repository && github.token && project.destinations.includes('artifact')) {
      const { repository, token, apiUrl } = github;
      await attempt('the workflow artifacts', async () => {
        const key = project.artifact_prefix;
        if (!artifacts.has(key)) {
          artifacts.set(key, newestArtifacts(repository, token, apiUrl, key));
        }
        return (await artifacts.get(key)!).get(project.name);
      });
    }
    const outDir = options.outDir;
    if (outDir !== undefined) {
      await attempt(outDir, () => newestLocalSet(join(outDir, project.name)));
    }
    out.set(project.name, newest(found));
  }
  return out;
}

function branchRepository(project: ProjectConfig, github: GitHubContext): string | undefined {
  return project.repository ?? github.repository;
}

function newest(dates: Date[]): Date | undefined {
  const valid = dates.filter((d) => !Number.isNaN(d.getTime()));
  return valid.length === 0 ? undefined : new Date(Math.max(...valid.map((d) => d.getTime())));
}

/** project -> time of its newest unexpired artifact with this prefix. */
async function newestArtifacts(
  repository: string,
  token: string,
  apiUrl: string,
  prefix: string,
): Promise<Map<string, Date>> {
  const [owner = '', repo = ''] = repository.split('/');
  const listed = await listBackupArtifacts(
    await createOctokit(token, apiUrl),
    { owner, repo },
    prefix,
  );
  const byProject = new Map<string, Date>();
  for (const a of listed) {
    const name = parseArtifactName(prefix, a.name);
    if (a.expired || !name) continue;
    const time = setIdToDate(name.setId);
    const known = byProject.get(name.project);
    if (!known || known < time) byProject.set(name.project, time);
  }
  return byProject;
}

/** The start of the newest complete set under `<out>/<project>` (its backup.json reads). */
async function newestLocalSet(dir: string): Promise<Date | undefined> {
  const dirs = await findSetDirs(dir).catch(() => [] as string[]);
  for (const set of [...dirs].reverse()) {
    const text = await readFile(join(set, SET_MARKER), 'utf8').catch(() => null);
    if (text === null) continue;
    try {
      return new Date(parseBackupJson(text).started_at);
    } catch {
      continue; // an unreadable set is not a good set
    }
  }
  return undefined;
}

/**
 * For `backup` triggered by `schedule`: the selected project names that are due now (every
 * selected one on any other trigger). Give the result to runBackup as `projects`; an empty
 * list means nothing is due (do not pass it on: runBackup reads [] as "all").
 */
export async function dueForBackup(
  options: Omit<PlanOptions, 'at'> & { at?: Date },
): Promise<string[]> {
  const selected = selectProjects(options.config, options.projects);
  if (options.eventName !== 'schedule') return selected.map((p) => p.name);
  const outcome = await plan({ ...options, at: options.at ?? new Date() });
  return outcome.decisions.filter((d) => d.due).map((d) => d.project);
}
