/** The tests' own git: asynchronous (a git server may run in this process), no user config. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const exec = promisify(execFile);

/** This process's environment with the user's git config left out and a fixed identity. */
export const gitEnv: NodeJS.ProcessEnv = {
  ...process.env,
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_AUTHOR_NAME: 't',
  GIT_AUTHOR_EMAIL: 't@example.com',
  GIT_COMMITTER_NAME: 't',
  GIT_COMMITTER_EMAIL: 't@example.com',
};

/** Runs git in `cwd` and resolves to its stdout, trimmed; rejects when git fails. */
export async function git(cwd: string, ...args: string[]): Promise<string> {
  return (await exec('git', args, { cwd, env: gitEnv })).stdout.trim();
}
