/**
 * Finds a Supabase CLI to run, or installs the requested release into the tool cache after
 * checking it against the release's published sha256 checksums.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ToolError, errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import { run } from '../proc/run.js';
import { findOnPath, isExecutableFile } from '../proc/which.js';
import { cachedCliOutput } from './cli-cache.js';
import { releaseAsset } from './platform.js';

export interface SupabaseCli {
  /** Absolute path of the binary to run; null when only its shipped scripts are used. */
  path: string | null;
  /** What the binary itself reports with `--version` (the release, for shipped scripts). */
  version: string;
  source: 'env' | 'tool-cache' | 'path' | 'download' | 'bundled';
}

const DEFAULT_CLI_DOWNLOAD_BASE = 'https://github.com/supabase/cli/releases/download';

const TOOL_NAME = 'supabase';

/** Loaded only when the tool cache is consulted (a chunk of dist/): with @actions/core and its
 * HTTP client it costs ~30 MB at load, which a run with SUPABASE_CLI_PATH or the pg-dump engine
 * never needs. */
const toolCache = () => import('@actions/tool-cache');
const BINARY = 'supabase';

export interface LocateOptions {
  /** Release wanted, e.g. "3.1.0" (a leading "v" is accepted). */
  version: string;
  /** Where releases live: `${downloadBase}/v${version}/<asset>`. */
  downloadBase?: string;
  logger: Logger;
  /** Where SUPABASE_CLI_PATH, PATH and XDG_CACHE_HOME are read; also the env of `--version` runs. */
  env?: NodeJS.ProcessEnv;
}

/**
 * Order: SUPABASE_CLI_PATH, the tool cache, `supabase` on PATH (any version), then a verified
 * download that is added to the tool cache so the next call finds it there.
 */
export async function locateSupabaseCli(options: LocateOptions): Promise<SupabaseCli> {
  const { logger } = options;
  const env = options.env ?? process.env;
  const version = exactVersion(options.version);

  const overrideEnv = env['SUPABASE_CLI_PATH'];
  if (overrideEnv) {
    const override = resolve(overrideEnv);
    if (!(await isExecutableFile(override))) {
      throw new ToolError(
        `SUPABASE_CLI_PATH is set to ${override}, but no executable file is there: point it at a ` +
          'supabase binary, or unset it to let supabase-backup find or download one.',
      );
    }
    const reported = await reportedVersion(override, env, 'SUPABASE_CLI_PATH');
    noteVersion(logger, reported, version, `SUPABASE_CLI_PATH (${override})`);
    return { path: override, version: reported, source: 'env' };
  }

  defaultToolCacheEnv(env);
  const cached = (await toolCache()).find(TOOL_NAME, version);
  if (cached) {
    const binary = join(cached, BINARY);
    logger.debug(`Supabase CLI ${version} found in the tool cache: ${binary}`);
    const reported = await reportedVersion(
      binary,
      env,
      'The cached Supabase CLI',
      `remove ${cached} to have it downloaded again`,
    );
    return { path: binary, version: reported, source: 'tool-cache' };
  }

  const onPath = await findOnPath(BINARY, env['PATH'] ?? '');
  if (onPath) {
    const reported = await reportedVersion(onPath, env, 'The supabase on PATH');
    noteVersion(logger, reported, version, `PATH (${onPath})`);
    return { path: onPath, version: reported, source: 'path' };
  }

  return download(version, options.downloadBase ?? DEFAULT_CLI_DOWNLOAD_BASE, logger, env);
}

async function download(
  version: string,
  base: string,
  logger: Logger,
  env: NodeJS.ProcessEnv,
): Promise<SupabaseCli> {
  const asset = releaseAsset(process.platform, process.arch);
  const releaseUrl = `${base.replace(/\/+$/, '')}/v${version}`;
  const sumsName = `supabase_${version}_checksums.txt`;
  const tempRoot = process.env['RUNNER_TEMP'] || tmpdir();
  await mkdir(tempRoot, { recursive: true });
  const work = await mkdtemp(join(tempRoot, 'supabase-cli-'));
  try {
    logger.info(`Downloading Supabase CLI ${version} (${asset}) from ${releaseUrl}`);
    // Checksums first: without them nothing downloaded would be run, so don't fetch the binary.
    const sumsPath = join(work, sumsName);
    await fetchTo(`${releaseUrl}/${sumsName}`, sumsPath, (status) =>
      status === 404
        ? `The Supabase CLI ${version} release has no checksums file (${sumsName}), so a download ` +
          'cannot be verified and supabase-backup will not run it. Check that the version is a ' +
          'published release (https://github.com/supabase/cli/releases), that a mirror set as the ' +
          'download base serves the checksums file too, or install the CLI yourself and set ' +
          'SUPABASE_CLI_PATH.'
        : undefined,
    );
    const expected = parseChecksums(await readFile(sumsPath, 'utf8')).get(asset);
    if (expected === undefined) {
      throw new ToolError(
        `${sumsName} of the Supabase CLI ${version} release lists no checksum for ${asset}, so ` +
          'there is no verified build for this platform: install the CLI yourself and set SUPABASE_CLI_PATH.',
      );
    }

    const archive = join(work, asset);
    await fetchTo(`${releaseUrl}/${asset}`, archive, (status) =>
      status === 404
        ? `The Supabase CLI ${version} release has no ${asset} (HTTP 404 from ${releaseUrl}/${asset}): ` +
          'check the version, or install the CLI yourself and set SUPABASE_CLI_PATH.'
        : undefined,
    );
    const actual = await sha256File(archive);
    if (actual !== expected) {
      throw new ToolError(
        `Checksum mismatch for ${releaseUrl}/${asset}: expected sha256 ${expected} (from ${sumsName}), ` +
          `got ${actual}. The download is corrupt or was tampered with; it was not run. Retry, or ` +
          'check the download base if you set one.',
      );
    }
    logger.debug(`sha256 of ${asset} verified: ${actual}`);

    const unpacked = join(work, 'unpacked');
    await mkdir(unpacked);
    try {
      await run('tar', ['-xzf', archive, '-C', unpacked]);
    } catch (err) {
      throw new ToolError(`Could not unpack ${asset}: ${errorMessage(err)}`, { cause: err });
    }
    const binary = join(unpacked, BINARY);
    if (!(await isFile(binary))) {
      const entries = (await readdir(unpacked)).join(', ') || 'nothing';
      throw new ToolError(
        `${asset} of the Supabase CLI ${version} release has no \`${BINARY}\` binary at its top ` +
          `level (it holds: ${entries}): install the CLI yourself and set SUPABASE_CLI_PATH.`,
      );
    }
    await chmod(binary, 0o755);
    // Run it before caching it, so a binary that can't run here never lands in the cache.
    const reported = await reportedVersion(binary, env, `The downloaded Supabase CLI ${version}`);
    noteVersion(logger, reported, version, `the ${version} release`);
    const cachedDir = await (await toolCache()).cacheDir(unpacked, TOOL_NAME, version);
    logger.info(`Supabase CLI ${reported} installed in the tool cache: ${cachedDir}`);
    return { path: join(cachedDir, BINARY), version: reported, source: 'download' };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** Downloads url to dest; `explain(status)` may give the message for an HTTP status. */
async function fetchTo(
  url: string,
  dest: string,
  explain: (status: number) => string | undefined,
): Promise<void> {
  const tc = await toolCache();
  try {
    await tc.downloadTool(url, dest);
  } catch (err) {
    const status = err instanceof tc.HTTPError ? err.httpStatusCode : undefined;
    if (status !== undefined) {
      throw new ToolError(explain(status) ?? `Downloading ${url} failed with HTTP ${status}.`, {
        cause: err,
      });
    }
    throw new ToolError(`Downloading ${url} failed: ${errorMessage(err)}`, { cause: err });
  }
}

/** `<sha256>  <name>` lines (sha256sum format, `*` binary marker allowed) -> name -> sha256. */
function parseChecksums(text: string): Map<string, string> {
  const sums = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const m = /^([0-9a-fA-F]{64})\s+\*?(\S+)\s*$/.exec(line.trim());
    if (m?.[1] && m[2]) sums.set(m[2], m[1].toLowerCase());
  }
  return sums;
}

async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

/** "3.1.0" or "v3.1.0" -> "3.1.0"; anything that is not one exact release is refused. */
function exactVersion(version: string): string {
  const v = version.trim().replace(/^v/, '');
  if (!/^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/.test(v)) {
    throw new ToolError(
      `Supabase CLI version "${version}" is not an exact release: use one like 3.1.0 ` +
        '(see https://github.com/supabase/cli/releases).',
    );
  }
  return v;
}

async function reportedVersion(
  binary: string,
  env: NodeJS.ProcessEnv,
  what: string,
  hint = 'is it a Supabase CLI built for this machine?',
): Promise<string> {
  return cachedCliOutput(binary, ['--version'], env, () => runVersion(binary, env, what, hint));
}

async function runVersion(
  binary: string,
  env: NodeJS.ProcessEnv,
  what: string,
  hint: string,
): Promise<string> {
  let stdout: string;
  try {
    ({ stdout } = await run(binary, ['--version'], { env }));
  } catch (err) {
    throw new ToolError(
      `${what} ${binary} failed to run \`--version\` (${hint}): ${errorMessage(err)}`,
      { cause: err },
    );
  }
  const m = /\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?/.exec(stdout);
  if (!m) {
    throw new ToolError(
      `${what} ${binary} printed no version for \`--version\` (${stdout.trim() || 'nothing'}): ` +
        'is it the Supabase CLI?',
    );
  }
  return m[0];
}

function noteVersion(logger: Logger, reported: string, wanted: string, where: string): void {
  if (reported !== wanted) {
    logger.notice(
      `Using Supabase CLI ${reported} from ${where}; the configured version is ${wanted}.`,
    );
  }
}

/**
 * @actions/tool-cache reads RUNNER_TOOL_CACHE and RUNNER_TEMP from process.env on every call (not
 * at import). Outside GitHub Actions they are unset: give them a per-user cache and the OS temp dir.
 */
function defaultToolCacheEnv(env: NodeJS.ProcessEnv): void {
  if (!process.env['RUNNER_TOOL_CACHE']) {
    const cacheHome = env['XDG_CACHE_HOME'] || join(env['HOME'] || homedir(), '.cache');
    process.env['RUNNER_TOOL_CACHE'] = join(cacheHome, 'supabase-backup', 'tool-cache');
  }
  if (!process.env['RUNNER_TEMP']) process.env['RUNNER_TEMP'] = tmpdir();
}

async function isFile(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}
