/**
 * What plan knows of each project's sets, from every place they go (the backup branch's
 * manifest.json, the workflow's artifacts, the local output directory): the start of the newest
 * good set (is it due?) and the duration and size of the newest ones (how heavy is its job?).
 * Reading a place that fails is a warning, never a skipped backup: a project whose sets cannot
 * be found is due. Each manifest and artifact listing is read once per reader.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseBackupJson } from '../catalog/backup-json.js';
import type { ManifestEntry } from '../catalog/manifest.js';
import { isSetId, setIdToDate, SET_MARKER } from '../catalog/naming.js';
import type { ProjectConfig } from '../config/types.js';
import { errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import type { LastRun } from '../plan/pack.js';
import {
  createOctokit,
  listBackupArtifacts,
  parseArtifactName,
} from '../stores/artifact-retention.js';
import { readBranchManifest } from '../stores/branch.js';
import { branchTargetFor, type GitHubContext } from './store.js';

export interface LookupOptions {
  /** Undefined outside GitHub: only the local directory is looked at. */
  github?: GitHubContext | undefined;
  /** The local output directory (`--out`, `out-dir`); undefined = not looked at. */
  outDir?: string | undefined;
  logger: Logger;
  workDir: string;
  signal?: AbortSignal | undefined;
}

export interface ProjectSets {
  /** The start of the newest good set anywhere; undefined = none found. */
  lastGood: Date | undefined;
  /** The duration and size of the newest sets that record them. */
  lastRun: LastRun;
}

/** A set as one place knows it. */
interface Found {
  time: Date;
  duration_ms?: number;
  bytes?: number;
}

const duration = (start: string, end: string): number | undefined => {
  const ms = Date.parse(end) - Date.parse(start);
  return Number.isFinite(ms) && ms >= 0 ? ms : undefined;
};

/** A reader whose calls share what they fetched (one clone per branch, one listing per prefix). */
export function catalogReader(options: LookupOptions) {
  const manifests = new Map<string, Promise<Map<string, ManifestEntry[]>>>();
  const artifacts = new Map<string, Promise<Map<string, Found>>>();
  return async (projects: readonly ProjectConfig[]): Promise<Map<string, ProjectSets>> => {
    const out = new Map<string, ProjectSets>();
    for (const project of projects) {
      const found: Found[] = [];
      const attempt = async (where: string, fn: () => Promise<Found | undefined>) => {
        try {
          const f = await fn();
          if (f !== undefined && !Number.isNaN(f.time.getTime())) found.push(f);
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
          if (!manifests.has(key))
            manifests.set(key, readBranchManifest(target, options).then(byProject));
          return newestEntry((await manifests.get(key)!).get(project.name) ?? []);
        });
      }
      if (github?.repository && github.token && project.destinations.includes('artifact')) {
        const { repository, token, apiUrl } = github;
        await attempt('the workflow artifacts', async () => {
          const key = project.artifact_prefix;
          if (!artifacts.has(key))
            artifacts.set(key, newestArtifacts(repository, token, apiUrl, key));
          return (await artifacts.get(key)!).get(project.name);
        });
      }
      const outDir = options.outDir;
      if (outDir !== undefined) {
        await attempt(outDir, () => newestLocalSet(join(outDir, project.name)));
      }
      out.set(project.name, summarize(found));
    }
    return out;
  };
}

/** The start of each project's newest good set, over every place its sets go; undefined = none. */
export async function lastGoodSets(
  projects: readonly ProjectConfig[],
  options: LookupOptions,
): Promise<Map<string, Date | undefined>> {
  const sets = await catalogReader(options)(projects);
  return new Map([...sets].map(([name, s]) => [name, s.lastGood]));
}

function summarize(found: Found[]): ProjectSets {
  const newestFirst = [...found].sort((a, b) => b.time.getTime() - a.time.getTime());
  const lastRun: LastRun = {};
  const timed = newestFirst.find((f) => f.duration_ms !== undefined);
  const sized = newestFirst.find((f) => f.bytes !== undefined);
  if (timed) lastRun.duration_ms = timed.duration_ms;
  if (sized) lastRun.bytes = sized.bytes;
  return { lastGood: newestFirst[0]?.time, lastRun };
}

function branchRepository(project: ProjectConfig, github: GitHubContext): string | undefined {
  return project.repository ?? github.repository;
}

function byProject(manifest: { sets: ManifestEntry[] } | null): Map<string, ManifestEntry[]> {
  const index = new Map<string, ManifestEntry[]>();
  for (const e of manifest?.sets ?? []) {
    const list = index.get(e.project);
    if (list) list.push(e);
    else index.set(e.project, [e]);
  }
  return index;
}

function newestEntry(entries: ManifestEntry[]): Found | undefined {
  let best: Found | undefined;
  for (const e of entries) {
    const time = new Date(e.started_at);
    if (Number.isNaN(time.getTime()) || (best && best.time >= time)) continue;
    const ms = duration(e.started_at, e.finished_at);
    best = { time, bytes: e.bytes, ...(ms !== undefined && { duration_ms: ms }) };
  }
  return best;
}

/** project -> its newest unexpired artifact with this prefix (time and zip size). */
async function newestArtifacts(
  repository: string,
  token: string,
  apiUrl: string,
  prefix: string,
): Promise<Map<string, Found>> {
  const [owner = '', repo = ''] = repository.split('/');
  const listed = await listBackupArtifacts(
    await createOctokit(token, apiUrl),
    { owner, repo },
    prefix,
  );
  const byName = new Map<string, Found>();
  for (const a of listed) {
    const name = parseArtifactName(prefix, a.name);
    if (a.expired || !name) continue;
    const time = setIdToDate(name.setId);
    const known = byName.get(name.project);
    if (!known || known.time < time) byName.set(name.project, { time, bytes: a.size });
  }
  return byName;
}

/**
 * The newest complete set under `<out>/<project>` (its backup.json reads): one listing of the
 * project's set folders, newest name first, rather than a walk into each of them.
 */
async function newestLocalSet(dir: string): Promise<Found | undefined> {
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names.filter(isSetId).sort().reverse()) {
    const text = await readFile(join(dir, name, SET_MARKER), 'utf8').catch(() => null);
    if (text === null) continue;
    try {
      const m = parseBackupJson(text);
      const ms = duration(m.started_at, m.finished_at);
      return {
        time: new Date(m.started_at),
        bytes: m.parts.reduce((n, p) => n + p.bytes, 0),
        ...(ms !== undefined && { duration_ms: ms }),
      };
    } catch {
      continue; // an unreadable set is not a good set
    }
  }
  return undefined;
}
