import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { locateSupabaseCli } from '../../src/dump/supabase-cli.js';
import { releaseAsset } from '../../src/dump/platform.js';
import { ToolError } from '../../src/errors.js';
import { streamLogger } from '../../src/log.js';
import { run } from '../../src/proc/run.js';
import { startHttpServer, type TestHttpServer } from '../support/http-server.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const realBinary = join(root, 'node_modules/@supabase/cli-linux-x64/bin/supabase');
const shimDir = join(root, 'node_modules/.bin');
const nodeDir = dirname(process.execPath);
const VERSION = '3.1.0';
const ASSET = 'supabase_linux_amd64.tar.gz';
const SUMS = `supabase_${VERSION}_checksums.txt`;
const assetPath = `/v${VERSION}/${ASSET}`;
const sumsPath = `/v${VERSION}/${SUMS}`;

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const sumsFile = (entries: Record<string, string>) =>
  Object.entries(entries)
    .map(([name, sum]) => `${sum}  ${name}\n`)
    .join('');

function collectingLogger() {
  const lines: string[] = [];
  return { lines, logger: streamLogger((l) => lines.push(l)) };
}

describe('releaseAsset', () => {
  it('maps Node platform and arch to release asset names', () => {
    expect(releaseAsset('linux', 'x64')).toBe('supabase_linux_amd64.tar.gz');
    expect(releaseAsset('linux', 'arm64')).toBe('supabase_linux_arm64.tar.gz');
    expect(releaseAsset('darwin', 'x64')).toBe('supabase_darwin_amd64.tar.gz');
    expect(releaseAsset('darwin', 'arm64')).toBe('supabase_darwin_arm64.tar.gz');
  });
  it('refuses Windows and unknown platforms with a ToolError', () => {
    expect(() => releaseAsset('win32', 'x64')).toThrow(ToolError);
    expect(() => releaseAsset('win32', 'x64')).toThrow(/Windows is not supported/);
    expect(() => releaseAsset('freebsd', 'x64')).toThrow(/SUPABASE_CLI_PATH/);
    expect(() => releaseAsset('linux', 'ia32')).toThrow(/linux\/ia32/);
  });
});

describe.runIf(process.platform === 'linux' && process.arch === 'x64')('locateSupabaseCli', () => {
  let work: string;
  let tarball: Buffer;
  let emptyTarball: Buffer;
  const saved = { cache: process.env['RUNNER_TOOL_CACHE'], temp: process.env['RUNNER_TEMP'] };
  let testDir: string;
  let server: TestHttpServer | undefined;
  // A PATH with node (for shims) but without any supabase.
  const cleanEnv = () => ({ PATH: `${nodeDir}:/usr/bin:/bin`, HOME: testDir });

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'sb-cli-test-'));
    for (const dir of cleanEnv().PATH.split(':'))
      expect(existsSync(join(dir, 'supabase'))).toBe(false);
    // The real CLI binary, packed like a release asset (gzip -1: ~140 MB in, quick).
    await run('tar', ['-cf', join(work, 'cli.tar'), '-C', dirname(realBinary), 'supabase']);
    await run('gzip', ['-1', join(work, 'cli.tar')]);
    tarball = await readFile(join(work, 'cli.tar.gz'));
    await mkdir(join(work, 'nobin'));
    await writeFile(join(work, 'nobin', 'README.md'), 'no binary here\n');
    await run('tar', ['-czf', join(work, 'nobin.tar.gz'), '-C', join(work, 'nobin'), 'README.md']);
    emptyTarball = await readFile(join(work, 'nobin.tar.gz'));
  });

  afterAll(async () => {
    if (saved.cache === undefined) delete process.env['RUNNER_TOOL_CACHE'];
    else process.env['RUNNER_TOOL_CACHE'] = saved.cache;
    if (saved.temp === undefined) delete process.env['RUNNER_TEMP'];
    else process.env['RUNNER_TEMP'] = saved.temp;
    await rm(work, { recursive: true, force: true });
  });

  beforeEach(async () => {
    testDir = await mkdtemp(join(work, 'case-'));
    process.env['RUNNER_TOOL_CACHE'] = join(testDir, 'tool-cache');
    process.env['RUNNER_TEMP'] = join(testDir, 'temp');
  });

  afterEach(async () => {
    await server?.close();
    server = undefined;
    await rm(testDir, { recursive: true, force: true });
  });

  it('downloads and verifies the release, then finds it in the tool cache', async () => {
    expect(releaseAsset(process.platform, process.arch)).toBe(ASSET);
    server = await startHttpServer({
      [assetPath]: tarball,
      [sumsPath]: sumsFile({
        'supabase_darwin_arm64.tar.gz': '0'.repeat(64),
        [ASSET]: sha256(tarball),
      }),
    });
    const { logger, lines } = collectingLogger();
    const first = await locateSupabaseCli({
      version: VERSION,
      downloadBase: server.url,
      logger,
      env: cleanEnv(),
    });
    expect(first.source).toBe('download');
    expect(first.version).toBe(VERSION);
    expect(first.path!.startsWith(join(testDir, 'tool-cache', 'supabase', VERSION))).toBe(true);
    expect((await run(first.path!, ['--version'])).stdout.trim()).toBe(VERSION);
    expect(server.requests(assetPath)).toBe(1);
    expect(server.requests(sumsPath)).toBe(1);
    expect(lines.join('')).toMatch(/Downloading Supabase CLI 3\.1\.0/);
    // The download's scratch dir is gone.
    expect(await readdir(join(testDir, 'temp'))).toEqual([]);

    const second = await locateSupabaseCli({
      version: `v${VERSION}`,
      downloadBase: server.url,
      logger,
      env: cleanEnv(),
    });
    expect(second).toEqual({ path: first.path, version: VERSION, source: 'tool-cache' });
    expect(server.log).toEqual([sumsPath, assetPath]);
  });

  it('refuses a download whose sha256 does not match, and caches nothing', async () => {
    const wrong = sha256(Buffer.from('something else'));
    server = await startHttpServer({
      [assetPath]: tarball,
      [sumsPath]: sumsFile({ [ASSET]: wrong }),
    });
    const { logger } = collectingLogger();
    const err = await locateSupabaseCli({
      version: VERSION,
      downloadBase: `${server.url}/`,
      logger,
      env: cleanEnv(),
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ToolError);
    expect((err as Error).message).toContain(`expected sha256 ${wrong}`);
    expect((err as Error).message).toContain(`got ${sha256(tarball)}`);
    expect(existsSync(join(testDir, 'tool-cache', 'supabase'))).toBe(false);
  });

  it('fails closed when the release has no checksums file, without fetching the binary', async () => {
    server = await startHttpServer({ [assetPath]: tarball });
    const { logger } = collectingLogger();
    const err = await locateSupabaseCli({
      version: VERSION,
      downloadBase: server.url,
      logger,
      env: cleanEnv(),
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ToolError);
    expect((err as Error).message).toMatch(/no checksums file .*will not run it/s);
    expect(server.requests(assetPath)).toBe(0);
  });

  it('reports a missing release asset (404)', async () => {
    server = await startHttpServer({ [sumsPath]: sumsFile({ [ASSET]: sha256(tarball) }) });
    const { logger } = collectingLogger();
    const err = await locateSupabaseCli({
      version: VERSION,
      downloadBase: server.url,
      logger,
      env: cleanEnv(),
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ToolError);
    expect((err as Error).message).toContain(`has no ${ASSET} (HTTP 404`);
  });

  it('reports a verified archive that lacks the binary', async () => {
    server = await startHttpServer({
      [assetPath]: emptyTarball,
      [sumsPath]: sumsFile({ [ASSET]: sha256(emptyTarball) }),
    });
    const { logger } = collectingLogger();
    const err = await locateSupabaseCli({
      version: VERSION,
      downloadBase: server.url,
      logger,
      env: cleanEnv(),
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ToolError);
    expect((err as Error).message).toMatch(/no `supabase` binary .*README\.md/);
  });

  it('uses SUPABASE_CLI_PATH before anything else', async () => {
    server = await startHttpServer({});
    const { logger, lines } = collectingLogger();
    const env = {
      ...cleanEnv(),
      PATH: `${shimDir}:${cleanEnv().PATH}`,
      SUPABASE_CLI_PATH: realBinary,
    };
    const cli = await locateSupabaseCli({
      version: '3.0.0',
      downloadBase: server.url,
      logger,
      env,
    });
    expect(cli).toEqual({ path: realBinary, version: VERSION, source: 'env' });
    expect(lines.join('')).toMatch(
      /notice: Using Supabase CLI 3\.1\.0 .*configured version is 3\.0\.0/,
    );
    expect(server.log).toEqual([]);

    const missing = { ...env, SUPABASE_CLI_PATH: join(testDir, 'nope') };
    await expect(locateSupabaseCli({ version: VERSION, logger, env: missing })).rejects.toThrow(
      /SUPABASE_CLI_PATH is set to .*nope/,
    );
  });

  it('finds supabase on PATH and records the version it reports', async () => {
    server = await startHttpServer({});
    const env = { ...cleanEnv(), PATH: `${shimDir}:${cleanEnv().PATH}` };
    const other = collectingLogger();
    const cli = await locateSupabaseCli({
      version: '3.0.0',
      downloadBase: server.url,
      logger: other.logger,
      env,
    });
    expect(cli).toEqual({ path: join(shimDir, 'supabase'), version: VERSION, source: 'path' });
    expect(other.lines.join('')).toMatch(
      /notice: .*3\.1\.0 from PATH .*configured version is 3\.0\.0/,
    );

    const same = collectingLogger();
    expect((await locateSupabaseCli({ version: VERSION, logger: same.logger, env })).source).toBe(
      'path',
    );
    expect(same.lines.filter((l) => l.startsWith('notice'))).toEqual([]);
    expect(server.log).toEqual([]);
  });

  it('defaults the tool cache outside GitHub Actions to XDG_CACHE_HOME', async () => {
    delete process.env['RUNNER_TOOL_CACHE'];
    delete process.env['RUNNER_TEMP'];
    const env = {
      ...cleanEnv(),
      PATH: `${shimDir}:${cleanEnv().PATH}`,
      XDG_CACHE_HOME: join(testDir, 'xdg'),
    };
    const { logger } = collectingLogger();
    expect((await locateSupabaseCli({ version: VERSION, logger, env })).source).toBe('path');
    expect(process.env['RUNNER_TOOL_CACHE']).toBe(
      join(testDir, 'xdg', 'supabase-backup', 'tool-cache'),
    );
    expect(process.env['RUNNER_TEMP']).toBe(tmpdir());
  });

  it('refuses a version that is not one exact release', async () => {
    const { logger } = collectingLogger();
    await expect(locateSupabaseCli({ version: 'latest', logger, env: cleanEnv() })).rejects.toThrow(
      /not an exact release/,
    );
  });

  it('keeps a failed download out of the way of the next one', async () => {
    // A checksums file that names the asset, then the asset appears: the retry succeeds.
    server = await startHttpServer({ [sumsPath]: sumsFile({ [ASSET]: sha256(tarball) }) });
    const { logger } = collectingLogger();
    await expect(
      locateSupabaseCli({ version: VERSION, downloadBase: server.url, logger, env: cleanEnv() }),
    ).rejects.toThrow(ToolError);
    server.set(assetPath, tarball);
    const cli = await locateSupabaseCli({
      version: VERSION,
      downloadBase: server.url,
      logger,
      env: cleanEnv(),
    });
    expect(cli.source).toBe('download');
    expect(server.requests(assetPath)).toBe(2);
  });
});
