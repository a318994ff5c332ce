/**
 * Where finished sets go: destinations, the backup branch and its repository, artifact naming
 * and lifetime. Keys a project and `defaults` share (see schema.ts).
 */
import { DEFAULT_ARTIFACT_PREFIX, DEFAULT_BRANCH, DESTINATIONS } from './types.js';
import {
  PROJECT_NAME_RE,
  invalid,
  list,
  looksLikeUrl,
  matching,
  oneOf,
  whole,
} from './schema-helpers.js';

/**
 * A branch name git accepts and that means one thing (`git check-ref-format --branch`): no
 * spaces or control characters, none of ~^:?*[\, no "..", "//" or "@{", no part starting with
 * "." or ending with ".lock", not starting with "-" or "/", not ending with "/" or ".".
 */
export const BRANCH_RE =
  // eslint-disable-next-line no-control-regex -- control characters are what it refuses
  /^(?!-|\/|\.|refs\/|HEAD$|@$)(?!.*(?:\.\.|\/\/|@\{|\/\.|\.lock\/|\.lock$|\/$|\.$))[^\x00-\x20\x7f~^:?*[\\]{1,255}$/;

/** "owner/name" of a GitHub repository. */
export const REPOSITORY_RE = /^[A-Za-z0-9][A-Za-z0-9-]{0,38}\/(?!\.\.?$)(?!.*\.git$)[\w.-]{1,100}$/;

const BRANCH_RULE =
  'use a git branch name such as "supabase-backups": no spaces, "..", "//", "@{" or any of ' +
  '~^:?*[\\, not starting with "-", "/" or ".", not ending with "/", "." or ".lock"';

/** Why `name` is not a usable branch name (a short phrase), or undefined when it is one. */
export function branchProblem(name: string): string | undefined {
  if (name === '') return 'it is empty';
  // eslint-disable-next-line no-control-regex -- control characters are what it refuses
  if (/[\x00-\x20\x7f]/.test(name)) return 'it contains a space or a control character';
  const bad = /[~^:?*[\\]/.exec(name)?.[0];
  if (bad !== undefined) return `it contains "${bad}"`;
  for (const s of ['..', '//', '@{']) if (name.includes(s)) return `it contains "${s}"`;
  if (name.startsWith('refs/')) return 'write the branch name alone, without "refs/heads/"';
  if (name === 'HEAD' || name === '@') return `"${name}" is not a branch name`;
  if (/^[-/.]/.test(name)) return `it starts with "${name[0] ?? ''}"`;
  if (name.endsWith('.lock')) return 'it ends with ".lock"';
  if (/[/.]$/.test(name)) return `it ends with "${name.slice(-1)}"`;
  if (name.includes('/.')) return 'a part after "/" starts with "."';
  if (name.includes('.lock/')) return 'a part before "/" ends with ".lock"';
  if (name.length > 255) return 'it is longer than 255 characters';
  return undefined;
}

const branch = matching('branch', 'a branch name', BRANCH_RE, (v) => {
  const problem = typeof v === 'string' ? branchProblem(v) : undefined;
  return `invalid branch ${JSON.stringify(v)}${problem ? ` (${problem})` : ''}; ${BRANCH_RULE}`;
});

const repository = matching('repository', '"owner/name"', REPOSITORY_RE, (v) =>
  // It might be a URL with a token in it: never quote a URL.
  typeof v === 'string' && looksLikeUrl(v)
    ? 'repository must be "owner/name" of a GitHub repository (e.g. my-org/db-backups), not ' +
      'a URL; access comes from the token the workflow passes, never from this file'
    : typeof v === 'string' && v.endsWith('.git')
      ? `invalid repository ${JSON.stringify(v)}; write it without ".git", e.g. my-org/db-backups`
      : invalid(
          'repository',
          'write "owner/name" of a GitHub repository, e.g. "my-org/db-backups"',
        )(v),
);

export const storageShape = {
  destinations: list('destinations', oneOf('destination', DESTINATIONS), '[artifact, branch]')
    .optional()
    .meta({
      description:
        'Where finished backup sets go: artifact (a workflow artifact per set), branch ' +
        '(committed to the backup branch, cataloged in its manifest.json), s3 (an S3-compatible ' +
        'bucket, needs `s3:`), local (only the ' +
        'output directory, e.g. for the CLI outside GitHub Actions). A non-empty list without ' +
        'repeats. Default: [artifact].',
      uniqueItems: true,
    }),
  branch: branch
    .optional()
    .describe(
      `The git branch the branch destination commits sets to. Default: "${DEFAULT_BRANCH}".`,
    ),
  repository: repository
    .optional()
    .describe(
      '"owner/name" of a separate (private) repository for the branch destination. Default: ' +
        "the workflow's own repository.",
    ),
  artifact_prefix: matching(
    'artifact_prefix',
    'a name such as "supabase-backup"',
    PROJECT_NAME_RE,
    invalid(
      'artifact_prefix',
      'use 1-63 lowercase letters, digits, "_" or "-", starting with a letter or digit',
    ),
  )
    .optional()
    .describe(
      'First part of artifact names (<prefix>-<project>-<set-id>); the same characters as ' +
        `project names. Default: "${DEFAULT_ARTIFACT_PREFIX}".`,
    ),
  artifact_retention_days: whole(
    'artifact_retention_days',
    "a whole number of days from 1 to 90 (GitHub's limit)",
    1,
    90,
  )
    .optional()
    .describe(
      'Days GitHub keeps each artifact (1-90). Default: the repository or organization setting.',
    ),
};
