/**
 * The committed action, run as the runner runs it (INPUT_*, GITHUB_*, GITHUB_OUTPUT and
 * GITHUB_STEP_SUMMARY files), against a Supabase-shaped database, a real git server and the
 * artifact service emulation; then the newest set is restored from a fresh clone of the branch
 * and from the downloaded artifact. Two runs: retention (keep_last 1) prunes the first.
 */
import { DefaultArtifactClient } from '@actions/artifact';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseManifest } from '../../src/catalog/manifest.js';
import { secretForms } from '../../src/log.js';
import {
  startArtifactService,
  withEnv,
  type ArtifactService,
} from '../support/artifact-service.js';
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

/** Runs dist/index.js asynchronously: the emulators live in this process and must keep answering. */
function runAction(
  work: string,
  inputs: Record<string, string>,
): Promise<{ code: number; stdout: string; outputs: Record<string, string>; summary: string }> {
  const output = join(work, `output-${Date.now()}`);
  const summary = join(work, `summary-${Date.now()}`);
  writeFileSync(output, '');
  writeFileSync(summary, '');
  const env: NodeJS.ProcessEnv = {
    ...backupEnv({ FIXTURE_DB_URL: source.url('app') }),
    ...artifacts.env,
    ...Object.fromEntries(Object.entries(inputs).map(([k, v]) => [`INPUT_${k.toUpperCase()}`, v])),
    GITHUB_ACTIONS: 'true',
    GITHUB_REPOSITORY: REPO,
    GITHUB_API_URL: api.url,
    GITHUB_OUTPUT: output,
    GITHUB_STEP_SUMMARY: summary,
    RUNNER_TEMP: work,
  };
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [resolve('dist/index.js')], { cwd: work, env });
    let stdout = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stdout += c.toString()));
    child.on('error', rej);
    child.on('close', (code) => {
      const outputs: Record<string, string> = {};
      const lines = readFileSync(output, 'utf8').split('\n');
      for (let i = 0; i < lines.length; i++) {
        const m = /^([^<]+)<<(.+)$/.exec(lines[i]!);
        if (!m) continue;
        const value: string[] = [];
        while (lines[++i] !== m[2]) value.push(lines[i]!);
        outputs[m[1]!] = value.join('\n');
      }
      res({ code: code ?? 1, stdout, outputs, summary: readFileSync(summary, 'utf8') });
    });
  });
}

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
  const first = await runAction(work, inputs);
  expect(first.code, first.stdout).toBe(0);
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
    expect(first.stdout.replace(/::add-mask::.*\n/g, '')).not.toContain(form);
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
    const refused = await runAction(work, { ...restoreInputs, confirm: 'fixtures' });
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/confirm input to the project's name \("fixture"\)/);
    expect(
      await target.psql("select count(*) from pg_tables where schemaname = 'app'", 'app'),
    ).toBe('0');
    const restored = await runAction(work, { ...restoreInputs, confirm: 'fixture' });
    expect(restored.code, restored.stdout).toBe(0);
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
  const second = await runAction(work, { ...inputs, reason: 'e2e: second run' });
  expect(second.code, second.stdout).toBe(0);
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
