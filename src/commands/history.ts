/**
 * The recent sets of each project, for the summary's charts: from the backup branch's
 * manifest.json and from the local output directory, merged by set id. A place that cannot be
 * read is a debug line: the charts are a nicety, never a reason to fail a run.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseBackupJson } from '../catalog/backup-json.js';
import { SET_MARKER } from '../catalog/naming.js';
import type { Manifest } from '../catalog/manifest.js';
import type { ProjectConfig } from '../config/types.js';
import { errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import { CHART_SETS, type HistoryPoint } from '../report/charts.js';
import { findSetDirs } from '../set/verify.js';
import { readBranchManifest } from '../stores/branch.js';
import { branchTargetFor, type GitHubContext } from './store.js';

export interface HistoryOptions {
  github?: GitHubContext | undefined;
  outDir?: string | undefined;
  logger: Logger;
  workDir: string;
  signal?: AbortSignal | undefined;
}

const duration = (start: string, end: string) =>
  Math.max(0, Date.parse(end) - Date.parse(start)) || 0;

async function localHistory(dir: string): Promise<HistoryPoint[]> {
  const dirs = await findSetDirs(dir).catch(() => [] as string[]);
  const points: HistoryPoint[] = [];
  for (const set of dirs.slice(-CHART_SETS)) {
    const text = await readFile(join(set, SET_MARKER), 'utf8').catch(() => null);
    if (text === null) continue;
    try {
      const m = parseBackupJson(text);
      points.push({
        set_id: m.set_id,
        bytes: m.parts.reduce((n, p) => n + p.bytes, 0),
        duration_ms: duration(m.started_at, m.finished_at),
      });
    } catch {
      continue; // an unreadable set is not history
    }
  }
  return points;
}

export async function readHistory(
  projects: readonly ProjectConfig[],
  options: HistoryOptions,
): Promise<Map<string, HistoryPoint[]>> {
  const manifests = new Map<string, Promise<Manifest | null>>();
  const out = new Map<string, HistoryPoint[]>();
  for (const project of projects) {
    const byId = new Map<string, HistoryPoint>();
    const github = options.github;
    if (github && project.destinations.includes('branch')) {
      try {
        const target = branchTargetFor(project, github);
        const key = `${target.remoteUrl}#${target.branch}`;
        if (!manifests.has(key)) manifests.set(key, readBranchManifest(target, options));
        for (const e of (await manifests.get(key)!)?.sets ?? []) {
          if (e.project !== project.name) continue;
          byId.set(e.set_id, {
            set_id: e.set_id,
            bytes: e.bytes,
            duration_ms: duration(e.started_at, e.finished_at),
          });
        }
      } catch (err) {
        options.logger.debug(
          `${project.name}: no history from the backup branch (${errorMessage(err)})`,
        );
      }
    }
    if (options.outDir !== undefined) {
      for (const p of await localHistory(join(options.outDir, project.name))) byId.set(p.set_id, p);
    }
    const points = [...byId.values()].sort((a, b) => a.set_id.localeCompare(b.set_id));
    out.set(project.name, points.slice(-CHART_SETS));
  }
  return out;
}
