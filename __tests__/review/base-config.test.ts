/** The base config of a pull request, read with real git (including a shallow clone's fetch). */
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readBaseConfig } from '../../src/review/base-config.js';
import { loadConfigFile } from '../../src/config/load.js';
import { review } from '../../src/review/review.js';
import { cli } from '../support/cli.js';
import { git } from '../support/git.js';

const BASE = `version: 1
projects:
  - name: prod
    db_url_secret: PROD_DB_URL
  - name: legacy
    db_url_secret: LEGACY_DB_URL
`;
const HEAD = `version: 1
defaults:
  retention: { keep_daily: 7, keep_weekly: 4 }
projects:
  - name: prod
    db_url_secret: PROD_DB_URL
    schedule: '0 3 * * *'
    destinations: [artifact, branch]
  - name: staging
    db_url_secret: STAGING_DB_URL
    schedule: '30 4 * * MON'
    parts: [schema]
`;

let root: string;
let origin: string;
let baseSha: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'base-config-'));
  origin = join(root, 'origin');
  await mkdir(join(origin, 'config'), { recursive: true });
  await git(origin, 'init', '-q', '-b', 'main');
  await writeFile(join(origin, 'README.md'), 'x\n');
  await git(origin, 'add', '.');
  await git(origin, 'commit', '-qm', 'no config yet');
  await writeFile(join(origin, 'config/backups.config.yaml'), BASE);
  await git(origin, 'add', '.');
  await git(origin, 'commit', '-qm', 'base');
  baseSha = await git(origin, 'rev-parse', 'HEAD');
  await writeFile(join(origin, 'config/backups.config.yaml'), HEAD);
  await git(origin, 'commit', '-qam', 'head');
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe('readBaseConfig', () => {
  it('reads the config at a revision, relative to the config file', async () => {
    const base = await readBaseConfig(
      { kind: 'ref', ref: baseSha },
      join(origin, 'config/backups.config.yaml'),
    );
    expect(base.label).toBe(`the base branch (\`${baseSha.slice(0, 7)}\`)`);
    expect(base.config?.projects.map((p) => p.name)).toEqual(['prod', 'legacy']);
  });

  it('no file at the revision: no base config, every project new', async () => {
    const base = await readBaseConfig(
      { kind: 'ref', ref: 'HEAD~2' },
      join(origin, 'config/backups.config.yaml'),
    );
    expect(base).toMatchObject({ config: null, note: 'no config there: every project is new' });
  });

  it('fetches the revision a shallow clone lacks from origin', async () => {
    const clone = join(root, 'clone');
    await git(root, 'clone', '-q', '--depth=1', `file://${origin}`, clone);
    await expect(git(clone, 'cat-file', '-e', `${baseSha}^{commit}`)).rejects.toThrow();
    const base = await readBaseConfig(
      { kind: 'ref', ref: baseSha },
      join(clone, 'config/backups.config.yaml'),
    );
    expect(base.config?.projects.map((p) => p.name)).toEqual(['prod', 'legacy']);
    expect(await git(clone, 'status', '--porcelain')).toBe('');
  });

  it('an unknown revision that origin lacks too is an error saying what to do', async () => {
    await expect(
      readBaseConfig(
        { kind: 'ref', ref: 'f'.repeat(40) },
        join(origin, 'config/backups.config.yaml'),
      ),
    ).rejects.toThrow(/fetching it from origin failed .*fetch-depth: 0/);
  });

  it('a base config that does not validate: every project shown as new, with a note', async () => {
    const file = join(root, 'broken.yaml');
    await writeFile(file, 'version: 2\nprojects: []\n');
    const base = await readBaseConfig({ kind: 'file', path: file }, 'backups.config.yaml');
    expect(base.config).toBeNull();
    expect(base.note).toMatch(/^the base config does not validate \(\d problem\(s\)\)/);
  });
});

it('CLI: validate --base-ref prints the plan as markdown', async () => {
  const config = join(origin, 'config/backups.config.yaml');
  const r = await cli(
    ['validate', '--config', config, '--base-ref', 'HEAD~1', '--workflows', join(root, 'none')],
    {},
  );
  expect(r.code, r.stderr).toBe(0);
  expect(r.stdout).toContain('Compared with `HEAD~1`: 1 added, 1 removed, 1 changed, 0 unchanged.');
  expect(r.stdout).toContain('| schedule | every run | every day at 03:00 UTC (`0 3 * * *`) |');
  expect(r.stdout).toContain('| retention | keep every set | keep_daily 7, keep_weekly 4 |');
  expect(r.stdout).toContain(
    '| **staging** | ➕ added | every Monday at 04:30 UTC (`30 4 * * MON`) | schema |',
  );
});

it('review with baseOptional: an unreadable base is noted, not thrown', async () => {
  const file = join(origin, 'config/backups.config.yaml');
  const config = await loadConfigFile(file);
  const r = await review(config, {
    base: { kind: 'ref', ref: 'f'.repeat(40) },
    workflowsDir: join(root, 'none'),
    baseOptional: true,
  });
  expect(r.baseProblem).toMatch(/^cannot read the base config: /);
  expect(r.markdown).toContain(
    '2 project(s); not compared with a base config (cannot read the base config:',
  );
  await expect(
    review(config, { base: { kind: 'ref', ref: 'f'.repeat(40) }, workflowsDir: root }),
  ).rejects.toThrow(/cannot read the base config/);
});
