import { chmod, mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { run } from '../../src/proc/run.js';

type CacheModule = typeof import('../../src/dump/cli-cache.js');

/** A fresh copy of the module: an empty memory cache, as in a new process. */
async function freshModule(): Promise<CacheModule> {
  vi.resetModules();
  return import('../../src/dump/cli-cache.js');
}

let dir: string;
let binary: string;
let counter: string;
let env: NodeJS.ProcessEnv;

/** A stand-in CLI that counts its starts, so the test sees how often it really ran. */
async function writeBinary(output: string): Promise<void> {
  await writeFile(binary, `#!/bin/sh\necho run >> "${counter}"\necho "${output} $*"\n`, {
    mode: 0o755,
  });
}
const starts = async () =>
  (await readFile(counter, 'utf8').catch(() => '')).split('\n').filter(Boolean).length;
const ask = (mod: CacheModule, args: string[], e = env) =>
  mod.cachedCliOutput(binary, args, e, async () => (await run(binary, args)).stdout);

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cli-cache-'));
  binary = join(dir, 'supabase');
  counter = join(dir, 'starts');
  env = { XDG_CACHE_HOME: join(dir, 'cache'), HOME: dir };
  await writeBinary('v1');
});

describe('cachedCliOutput', () => {
  it('runs the CLI once for concurrent callers, and not at all in the next process', async () => {
    const mod = await freshModule();
    const answers = await Promise.all([1, 2, 3, 4].map(() => ask(mod, ['--dry-run', 'a'])));
    expect(new Set(answers)).toEqual(new Set(['v1 --dry-run a\n']));
    expect(await starts()).toBe(1);

    const next = await freshModule();
    expect(await ask(next, ['--dry-run', 'a'])).toBe('v1 --dry-run a\n');
    expect(await starts()).toBe(1);
    // Other arguments are another answer.
    expect(await ask(next, ['--dry-run', 'b'])).toBe('v1 --dry-run b\n');
    expect(await starts()).toBe(2);
    const entries = await readdir(join(dir, 'cache', 'supabase-backup', 'cli-answers'));
    expect(entries.filter((e) => !e.startsWith('.'))).toHaveLength(2);
  });

  it('asks again when the binary is replaced', async () => {
    expect(await ask(await freshModule(), ['x'])).toBe('v1 x\n');
    await writeBinary('version-two');
    expect(await ask(await freshModule(), ['x'])).toBe('version-two x\n');
    expect(await starts()).toBe(2);
  });

  it('keeps no failure: the next caller runs the CLI again', async () => {
    const mod = await freshModule();
    const failing = mod.cachedCliOutput(binary, ['y'], env, () =>
      Promise.reject(new Error('dry run failed')),
    );
    await expect(failing).rejects.toThrow('dry run failed');
    expect(await ask(mod, ['y'])).toBe('v1 y\n');
    expect(await starts()).toBe(1);
  });

  it('keeps answers in memory only when the cache dir is writable by others, or when told to', async () => {
    const shared = join(dir, 'cache', 'supabase-backup', 'cli-answers');
    await mkdir(shared, { recursive: true });
    await chmod(shared, 0o777);
    await ask(await freshModule(), ['z']);
    await ask(await freshModule(), ['z']);
    expect(await starts()).toBe(2);
    expect(await readdir(shared)).toEqual([]);

    const off = { ...env, XDG_CACHE_HOME: join(dir, 'other'), SUPABASE_BACKUP_NO_CLI_CACHE: '1' };
    await ask(await freshModule(), ['z'], off);
    await ask(await freshModule(), ['z'], off);
    expect(await starts()).toBe(4);
  });
});
