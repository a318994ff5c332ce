/**
 * The `artifact` destination as a Destination: one workflow artifact per set
 * (<prefix>-<project>-<set-id>), uploaded with @actions/artifact (src/destinations/artifact/upload.ts), listed
 * and deleted through the REST API (src/destinations/artifact/retention.ts), opened by downloading
 * the artifact's zip through the REST API.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setIdToDate } from '../../catalog/naming.js';
import { RestoreError, StorageError } from '../../errors.js';
import type {
  Destination,
  DestinationContext,
  ListedSet,
  OpenedSet,
  RemoveReport,
  StoreResult,
} from '../destination.js';
import { uploadSetArtifact } from './upload.js';
import { createOctokit } from '../../github/octokit.js';
import {
  deleteArtifacts,
  listBackupArtifacts,
  parseArtifactName,
  type RemoteArtifact,
} from './retention.js';
import type { FinishedSet, GitHubContext } from '../types.js';

export interface ArtifactSettings {
  artifact_prefix: string;
  artifact_retention_days?: number | undefined;
}

export class ArtifactDestination implements Destination<'artifact'> {
  readonly name = 'artifact' as const;
  /** The API lists names and dates only: no sizes or run times for the charts. */
  readonly catalogued = false;
  readonly selfContained = true;
  readonly where: string;

  constructor(
    private readonly settings: ArtifactSettings,
    private readonly github: GitHubContext,
    private readonly ctx: DestinationContext,
  ) {
    this.where = `workflow artifacts of ${github.repository ?? 'this run'}`;
  }

  async store(sets: FinishedSet[]): Promise<StoreResult<'artifact'>[]> {
    this.listed = undefined;
    const out: StoreResult<'artifact'>[] = [];
    for (const set of sets) {
      try {
        const record = await uploadSetArtifact(set, {
          prefix: this.settings.artifact_prefix,
          retentionDays: this.settings.artifact_retention_days,
          logger: this.ctx.logger,
          serverUrl: this.github.serverUrl,
          repository: this.github.repository,
          runId: this.github.runId,
          workDir: this.ctx.workDir,
        });
        this.ctx.logger.info(
          `${set.project}/${set.setId}: artifact ${record.name} (${record.digest})`,
        );
        out.push({ project: set.project, ok: true, record });
      } catch (err) {
        out.push({ project: set.project, ok: false, error: err });
      }
    }
    return out;
  }

  private async api() {
    const { repository, token, apiUrl } = this.github;
    if (!repository || !token)
      throw new StorageError(
        'reading workflow artifacts needs the repository and a token (github-token, with actions: write)',
      );
    const [owner = '', repo = ''] = repository.split('/');
    return { octokit: await createOctokit(token, apiUrl), repo: { owner, repo }, token };
  }

  /** Every backup artifact, listed once until this instance changes them (plan asks per project). */
  private listed: Promise<RemoteArtifact[]> | undefined;

  private async artifacts(project: string): Promise<Map<string, RemoteArtifact[]>> {
    const prefix = this.settings.artifact_prefix;
    this.listed ??= this.api().then(({ octokit, repo }) =>
      listBackupArtifacts(octokit, repo, prefix),
    );
    const all = await this.listed.catch((err: unknown) => {
      this.listed = undefined;
      throw err;
    });
    const bySet = new Map<string, RemoteArtifact[]>();
    for (const a of all) {
      const name = parseArtifactName(prefix, a.name);
      if (a.expired || name?.project !== project) continue;
      bySet.set(name.setId, [...(bySet.get(name.setId) ?? []), a]);
    }
    return bySet;
  }

  async list(project: string): Promise<ListedSet[]> {
    const ids = [...(await this.artifacts(project)).keys()].sort();
    return ids.map((setId) => ({
      project,
      setId,
      time: setIdToDate(setId),
      status: 'ok' as const,
      drilled: false,
    }));
  }

  async open(project: string, setId?: string): Promise<OpenedSet> {
    const bySet = await this.artifacts(project);
    const id = setId ?? [...bySet.keys()].sort().pop();
    const artifact = id === undefined ? undefined : bySet.get(id)?.[0];
    if (!artifact)
      throw new RestoreError(
        `${this.where}: no artifact of ${project}/${setId ?? '(newest)'}; nothing was changed`,
      );
    const { token, repo } = await this.api();
    const url = `${this.github.apiUrl.replace(/\/$/, '')}/repos/${repo.owner}/${repo.repo}/actions/artifacts/${artifact.id}/zip`;
    const res = await fetch(url, {
      headers: { authorization: `Bearer ${token}` },
      signal: this.ctx.signal ?? null,
    });
    if (!res.ok)
      throw new StorageError(`downloading artifact ${artifact.name} failed: HTTP ${res.status}`);
    const temp = await mkdtemp(join(this.ctx.workDir, 'artifact-set-'));
    const zip = join(temp, `${artifact.name}.zip`);
    await writeFile(zip, Buffer.from(await res.arrayBuffer()));
    // The zip is opened like any --from zip (restore/source.ts): extracted, confined, verified.
    return {
      dir: zip,
      label: `artifact ${artifact.name}`,
      cleanup: () => rm(temp, { recursive: true, force: true }),
    };
  }

  async remove(project: string, setIds: string[]): Promise<RemoveReport> {
    const bySet = await this.artifacts(project);
    this.listed = undefined;
    const { octokit, repo } = await this.api();
    await deleteArtifacts(
      octokit,
      repo,
      setIds.flatMap((id) => (bySet.get(id) ?? []).map((a) => a.id)),
      this.ctx.logger,
    );
    return { removed: [...setIds], retained: [] };
  }
}
