/** The restore command's CLI options -> the source and selection restore() takes. */
import { partsNamed, type Part } from '../config/types.js';
import { UsageError } from '../errors.js';
import { isS3Url } from '../destinations/s3/url.js';
import { DEFAULT_BACKUP_BRANCH, type SourceSpec } from '../restore/source.js';

export const RESTORE_CLI_OPTIONS = {
  from: { type: 'string' },
  'from-branch': { type: 'string' },
  branch: { type: 'string' },
  project: { type: 'string' },
  set: { type: 'string' },
  latest: { type: 'boolean' },
  force: { type: 'boolean', default: false },
  parts: { type: 'string' },
  tables: { type: 'string' },
  schemas: { type: 'string' },
} as const;

export interface RestoreCliValues {
  from?: string;
  'from-branch'?: string;
  branch?: string;
  project?: string;
  set?: string;
  latest?: boolean;
  parts?: string;
  tables?: string;
  schemas?: string;
}

/** "a,b, c" -> ["a","b","c"]; splits on commas outside double quotes. */
export function splitList(value: string | undefined): string[] {
  if (!value) return [];
  return (value.match(/(?:"(?:[^"]|"")*"|[^,])+/g) ?? []).map((s) => s.trim()).filter(Boolean);
}

export function parsePartsList(value: string | undefined): Part[] {
  return partsNamed(splitList(value), '--parts');
}

export function restoreSource(values: RestoreCliValues): SourceSpec {
  const repo = values['from-branch'];
  if (values.from && repo) throw new UsageError('restore takes --from or --from-branch, not both');
  if (values.from && isS3Url(values.from)) {
    for (const flag of ['branch', 'project', 'set'] as const)
      if (values[flag] !== undefined)
        throw new UsageError(
          `--${flag} does not go with an s3:// source: the URL names the set (s3://BUCKET/PREFIX/PROJECT/SET_ID, or s3://BUCKET/PREFIX/PROJECT --latest)`,
        );
    return { kind: 's3', url: values.from, latest: values.latest ?? false };
  }
  if (!repo) {
    for (const flag of ['branch', 'project', 'set', 'latest'] as const)
      if (values[flag] !== undefined)
        throw new UsageError(
          `--${flag} selects a set on a backup branch: use it with --from-branch`,
        );
    if (!values.from)
      throw new UsageError(
        'restore needs --from SET_DIR|ARTIFACT.zip|s3://BUCKET/PREFIX/PROJECT/SET_ID or --from-branch REPO (a URL or a local clone)',
      );
    return { kind: 'path', path: values.from };
  }
  if (values.set !== undefined && values.latest)
    throw new UsageError('--set and --latest exclude each other');
  return {
    kind: 'branch',
    repo,
    branch: values.branch ?? DEFAULT_BACKUP_BRANCH,
    project: values.project,
    setId: values.set,
  };
}
