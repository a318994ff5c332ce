/**
 * The committed action, run as the runner runs it (INPUT_*, GITHUB_*, GITHUB_OUTPUT and
 * GITHUB_STEP_SUMMARY files), against a Supabase-shaped database, a real git server and the
 * artifact service emulation; then the newest set is restored from a fresh clone of the branch
 * and from the downloaded artifact. Two runs: retention (keep_last 1) prunes the first.
 */
import { DefaultArtifactClient } from '@actions/artifact';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseManifest } from '../../src/catalog/manifest.js';
import { secretForms } from '../../src/log.js';
import {
  startArtifactService,
  withEnv,
  type ArtifactService,
} from '../support/artifact-service.js';
import { runAction } from '../support/action.js';
import { backupEnv, cli } from '../support/cli.js';
import { createSupabaseDb } from '../support/fixture.js';
import { startGitHubApi, type GitHubApi } from '../support/github-api.js';
import { startGitServer, type GitServer } from '../support/git-server.js';
import { startCluster, type Cluster } from '../support/pg-cluster.js';
import { diffSnapshots, snapshot } from '../support/snapshot.js';

const exec = promisify(execFile);
const TOKEN = 'ghs_e2eTokenThatMustNeverLeak0123456789';
const REPO = 'octo-org/backups';

let source: Cluster;
let git: GitServer;
let artifacts: ArtifactService;
let api: GitHubApi;
const clusters: Cluster[] = [];
beforeAll(async () => {
  source = await startCluster();
  await createSupabaseDb(source, 'app', { withUserContent: true });
  git = await startGitServer({ token: TOKEN });
  await git.createBareRepo(`${REPO}.git`);
  artifacts = await startArtifactService();
  api = await startGitHubApi({ store: artifacts.store, token: TOKEN });
});
afterAll(async () => {
  await Promise.all([source, ...clusters].map((c) => c.stop()));
  await Promise.all([git?.close(), artifacts?.close(), api?.close()]);
});

function writeConfig(dir: string): string {
  const file = join(dir, 'backups.config.yaml');
  writeFileSync(
    file,
    [
      'version: 1',
      'projects:',
      '  - name: fixture',
      '    db_url_secret: FIXTURE_DB_URL',
      '    destinations: [artifact, branch]',
      '    artifact_retention_days: 7',
      '    retention: { keep_last: 1 }',
      '',
    ].join('\n'),
  );
  return file;
}

/** The action in the runner's temp dir `work` (also its workspace), against the emulators. */
const runFixture = (work: string, inputs: Record<string, string>) =>
  runAction({
    inputs,
    env: {
      ...backupEnv({ FIXTURE_DB_URL: source.url('app') }),
      ...artifacts.env,
      GITHUB_REPOSITORY: REPO,
      GITHUB_API_URL: api.url,
    },
    temp: work,
  });

async function restoreInto(dir: string): Promise<string[]> {
  const target = await startCluster();
  clusters.push(target);
  await createSupabaseDb(target, 'app');
  const res = await cli(['restore', '--from', dir, '--target-url-env', 'T', '--yes'], {
    ...process.env,
    T: target.url('app'),
  });
  expect(res.code, res.stderr).toBe(0);
  return diffSnapshots(await snapshot(source, 'app'), await snapshot(target, 'app'));
}

it('backs up to artifacts and the branch, restores from both, and prunes by policy', async () => {
  const work = mkdtempSync(join(tmpdir(), 'runner-'));
  const inputs = {
    command: 'backup',
    config: writeConfig(work),
    'github-token': TOKEN,
    'git-server-url': git.url('').replace(/\/$/, ''),
    reason: 'e2e: first run',
    'out-dir': 'backups',
  };
  const first = await runFixture(work, inputs);
  expect(first.code, first.log).toBe(0);
  const [set] = JSON.parse(first.outputs.sets!) as {
    set_id: string;
    artifact: { id: number; name: string; digest: string };
    branch: { commit: string; path: string };
  }[];
  expect(set!.artifact.name).toBe(`supabase-backup-fixture-${set!.set_id}`);
  expect(set!.artifact.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
  expect(set!.branch.commit).toMatch(/^[0-9a-f]{40}$/);
  expect(JSON.parse(first.outputs['manifest-entry']!)[0]).toMatchObject({
    path: `fixture/${set!.set_id}`,
    reason: 'e2e: first run',
  });
  expect(first.summary).toMatch(/\| fixture \| `\d{4}-\d\d-\d\dT\d{6}Z` \| roles, schema, data \|/);
  for (const form of secretForms(TOKEN).concat(secretForms(source.password))) {
    expect(first.log.replace(/::add-mask::.*\n/g, '')).not.toContain(form);
    expect(first.summary).not.toContain(form);
  }

  // A fresh clone of the branch: the set, the catalog, the generated README.
  const clone = join(work, 'clone');
  await exec('git', [
    '-c',
    `http.extraheader=AUTHORIZATION: basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}`,
    'clone',
    '--quiet',
    '--single-branch',
    '--branch',
    'supabase-backups',
    git.url(`${REPO}.git`),
    clone,
  ]);
  const manifest = parseManifest(readFileSync(join(clone, 'manifest.json'), 'utf8'));
  expect(manifest.sets.map((e) => e.path)).toEqual([`fixture/${set!.set_id}`]);
  expect(manifest.sets[0]!.commit).toBeTruthy();
  const readme = readFileSync(join(clone, 'README.md'), 'utf8');
  expect(readme).toContain(set!.set_id);
  writeFileSync(join(tmpdir(), 'supabase-backup-e2e-branch-README.md'), readme);
  await exec('sha256sum', ['-c', 'SHA256SUMS'], { cwd: join(clone, 'fixture', set!.set_id) });
  expect(await restoreInto(join(clone, 'fixture', set!.set_id))).toEqual([]);

  // The artifact, downloaded with the real client, restores too.
  const download = join(work, 'download');
  await withEnv(artifacts.env, () =>
    new DefaultArtifactClient().downloadArtifact(set!.artifact.id, { path: download }),
  );
  expect(readdirSync(download)).toContain('backup.json');
  expect(await restoreInto(download)).toEqual([]);

  // command: restore from the branch, as a workflow_dispatch would: refused without the right
  // confirm, then applied into a new project.
  const target = await startCluster();
  clusters.push(target);
  await createSupabaseDb(target, 'app');
  const restoreInputs = {
    command: 'restore',
    config: inputs.config,
    projects: 'fixture',
    'github-token': TOKEN,
    'git-server-url': inputs['git-server-url'],
    'target-url-secret': 'TARGET_DB_URL',
  };
  process.env.TARGET_DB_URL = target.url('app');
  try {
    const refused = await runFixture(work, { ...restoreInputs, confirm: 'fixtures' });
    expect(refused.code, refused.stderr).toBe(1);
    expect(refused.log).toMatch(/confirm input to the project's name \("fixture"\)/);
    expect(
      await target.psql("select count(*) from pg_tables where schemaname = 'app'", 'app'),
    ).toBe('0');
    const restored = await runFixture(work, { ...restoreInputs, confirm: 'fixture' });
    expect(restored.code, restored.log).toBe(0);
    expect(JSON.parse(restored.outputs.restored!)).toEqual({
      set: `fixture/${set!.set_id}`,
      applied: true,
    });
    expect(diffSnapshots(await snapshot(source, 'app'), await snapshot(target, 'app'))).toEqual([]);
  } finally {
    delete process.env.TARGET_DB_URL;
  }

  // A second run: keep_last 1 removes the first set from the branch and its artifact.
  await new Promise((r) => setTimeout(r, 1100));
  const second = await runFixture(work, { ...inputs, reason: 'e2e: second run' });
  expect(second.code, second.log).toBe(0);
  const [newer] = JSON.parse(second.outputs.sets!) as { set_id: string }[];
  expect(newer!.set_id).not.toBe(set!.set_id);
  await exec('git', [
    '-C',
    clone,
    '-c',
    `http.extraheader=AUTHORIZATION: basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}`,
    'pull',
    '--quiet',
  ]);
  const after = parseManifest(readFileSync(join(clone, 'manifest.json'), 'utf8'));
  expect(after.sets.map((e) => e.set_id)).toEqual([newer!.set_id]);
  expect(readdirSync(join(clone, 'fixture'))).toEqual([newer!.set_id]);
  expect(artifacts.artifacts().map((a) => a.name)).toEqual([
    `supabase-backup-fixture-${newer!.set_id}`,
  ]);
});
