/** Why a git command failed, told from what git printed: for the callers' retry decisions. */
import { StorageError } from '../errors.js';

export type GitFailureKind = 'auth' | 'moved' | 'transient' | 'other';

export class GitFailure extends StorageError {
  constructor(
    readonly reason: GitFailureKind,
    message: string,
  ) {
    super(message);
  }
}

const AUTH =
  /HTTP 40[13]|returned error: 40[13]|Authentication failed|could not read (Username|Password)|terminal prompts disabled|Permission to \S+ denied|Invalid username or password/i;
const MOVED =
  /\[rejected\]|non-fast-forward|fetch first|stale info|cannot lock ref|failed to lock|failed to update ref|reference already exists|but expected/i;
const TRANSIENT =
  /returned error: 5\d\d|HTTP 5\d\d|RPC failed|Connection reset|timed out|early EOF|remote end hung up/i;

export function classifyGitOutput(text: string): GitFailureKind {
  if (AUTH.test(text)) return 'auth';
  if (MOVED.test(text)) return 'moved';
  if (TRANSIENT.test(text)) return 'transient';
  return 'other';
}
