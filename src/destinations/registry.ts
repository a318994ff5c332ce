/**
 * Every destination, by the name the config uses: how to reach it for a project, and when two
 * projects share one (one push per branch, one catalog write per bucket prefix). The next
 * destination is one folder and one entry here.
 */
import type { Destination as DestinationName, ProjectConfig } from '../config/types.js';
import { StorageError } from '../errors.js';
import { ArtifactDestination } from './artifact/destination.js';
import { BranchDestination, branchTargetFor } from './branch/destination.js';
import type { Destination, DestinationContext } from './destination.js';
import { LocalDestination } from './local/destination.js';
import { S3Destination } from './s3/destination.js';

/** Storing needs less than reading: an artifact upload takes the runtime token, a listing the API token. */
export type Purpose = 'store' | 'read';

export interface DestinationKind {
  /** The set leaves the runner (a public repository then needs encryption). */
  offRunner: boolean;
  /** Why the destination cannot be reached from here (to store, or to read), or undefined. */
  unreachable(
    project: ProjectConfig,
    ctx: DestinationContext,
    purpose: Purpose,
  ): string | undefined;
  /** Projects with the same key share one instance. */
  key(project: ProjectConfig, ctx: DestinationContext): string;
  create(project: ProjectConfig, ctx: DestinationContext): Destination;
}

const KINDS: { [N in DestinationName]: DestinationKind } = {
  artifact: {
    offRunner: true,
    unreachable: (_p, ctx) =>
      ctx.github?.repository
        ? undefined
        : 'workflow artifacts need GitHub Actions (GITHUB_REPOSITORY)',
    key: (p) => `artifact:${p.artifact_prefix}:${p.artifact_retention_days ?? ''}`,
    create: (p, ctx) => new ArtifactDestination(p, ctx.github!, ctx),
  },
  branch: {
    offRunner: true,
    unreachable: (p, ctx) =>
      !ctx.github
        ? 'the backup branch needs GitHub (GITHUB_SERVER_URL)'
        : !(p.repository ?? ctx.github.repository)
          ? 'the backup branch needs a repository (GITHUB_REPOSITORY or repository: in the config)'
          : undefined,
    key: (p, ctx) => {
      const t = branchTargetFor(p, ctx.github!);
      return `branch:${t.remoteUrl}#${t.branch}`;
    },
    create: (p, ctx) =>
      new BranchDestination(branchTargetFor(p, ctx.github!), ctx, ctx.github!.serverUrl),
  },
  s3: {
    offRunner: true,
    unreachable: (p) => (p.s3 ? undefined : 'the s3 destination needs s3: settings'),
    key: (p) =>
      `s3:${p.s3?.endpoint ?? ''}:${p.s3?.bucket}/${p.s3?.prefix}:${JSON.stringify(p.s3)}`,
    create: (p, ctx) => new S3Destination(p.s3!, ctx),
  },
  local: {
    offRunner: false,
    unreachable: (_p, ctx) => (ctx.outDir === undefined ? 'no output directory' : undefined),
    key: (_p, ctx) => `local:${ctx.outDir}`,
    create: (_p, ctx) => new LocalDestination(ctx.outDir!, ctx.logger),
  },
};

/** Whether any of these destinations stores sets off the runner. */
export function leavesRunner(names: readonly DestinationName[]): boolean {
  return names.some((n) => KINDS[n].offRunner);
}

/** The places a run's sets can be read back from: the project's destinations and the output directory. */
export function withOutputDirectory(names: readonly DestinationName[]): DestinationName[] {
  return [...new Set<DestinationName>([...names, 'local'])];
}

/** One project's destination, reusing the instance another project with the same key got. */
export class Destinations {
  private readonly made = new Map<string, Destination>();
  private readonly ctx: DestinationContext;
  /** `env` defaults to the process's: where the destinations' credential variables are read. */
  constructor(
    ctx: Omit<DestinationContext, 'env'> & { env?: DestinationContext['env'] | undefined },
  ) {
    this.ctx = { ...ctx, env: ctx.env ?? process.env };
  }

  /** Throws a StorageError saying why when it cannot be reached from here. */
  get(name: DestinationName, project: ProjectConfig, purpose: Purpose = 'read'): Destination {
    const kind = KINDS[name];
    const why = kind.unreachable(project, this.ctx, purpose);
    if (why) throw new StorageError(`${project.name}: ${why}`);
    const key = kind.key(project, this.ctx);
    let d = this.made.get(key);
    if (!d) {
      d = kind.create(project, this.ctx);
      this.made.set(key, d);
    }
    return d;
  }

  /** The project's destinations that can be reached from here (the others are skipped quietly). */
  reachable(
    project: ProjectConfig,
    names: readonly DestinationName[] = project.destinations,
  ): Destination[] {
    return names
      .filter((n) => !KINDS[n].unreachable(project, this.ctx, 'read'))
      .map((n) => this.get(n, project));
  }
}
