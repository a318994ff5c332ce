// The fleet bench: `plan` and `validate` for BENCH_FLEET projects (2,000) with a catalog of
// BENCH_FLEET_SETS sets (20,000) both on a backup branch (a local bare repository reached over
// file://, as the action reaches github.com) and in the local output directory; and the job
// summaries the action writes for them (GitHub refuses a step summary over 1 MiB). No database.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { measure } from './measure.mjs';

export const FLEET_BEGIN =
  '<!-- BEGIN GENERATED FLEET: npm run bench (or BENCH_ONLY=fleet) rewrites everything up to the END marker -->';
export const FLEET_END = '<!-- END GENERATED FLEET -->';

const REPO = 'octo/fleet';
const BRANCH = 'supabase-backups';
const DAY = 86_400_000;
const SUMMARY_LIMIT = 1024 * 1024;

/** mulberry32: the same fleet on every run. */
function random(seed) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const hex = (s, n = 64) => createHash('sha256').update(s).digest('hex').slice(0, n);
const setId = (d) =>
  d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')
    .replace(/^(\d{4})(\d{2})(\d{2})/, '$1-$2-$3');
const name = (i) => `customer-${String(i).padStart(5, '0')}`;

/**
 * The fleet: project i has `perProject` daily sets at 03:0x UTC ending the day before `at`
 * (so it is due at `at`), except every fourth, whose newest set is from `at`'s day (not due).
 * Durations are heavy-tailed (most minutes, a few hours), sizes follow them.
 */
function fleetSets(n, total, at) {
  const r = random(19);
  const perProject = Math.max(1, Math.round(total / n));
  const projects = [];
  for (let i = 0; i < n; i++) {
    const ms = Math.round(20_000 + 4 * 3_600_000 * r() ** 8);
    const bytes = Math.round(ms * 30_000 * (0.5 + r()));
    const lastDay = i % 4 === 0 ? 0 : 1;
    const sets = [];
    for (let k = perProject - 1 + lastDay; k >= lastDay; k--) {
      const started = new Date(Date.parse(at) - k * DAY);
      started.setUTCHours(3, 1 + (i % 20), 0, 0);
      const jitter = 0.8 + 0.4 * r();
      sets.push({ started, ms: Math.round(ms * jitter), bytes: Math.round(bytes * jitter) });
    }
    projects.push({ name: name(i), sets });
  }
  return projects;
}

function backupJson(project, s) {
  const id = setId(s.started);
  const part = (p, share) => ({
    part: p,
    file: `${p}.sql.zst`,
    bytes: Math.round(s.bytes * share),
    sha256: hex(`${project}/${id}/${p}`),
    raw_bytes: Math.round(s.bytes * share * 5),
    raw_sha256: hex(`${project}/${id}/${p}/raw`),
    duration_ms: Math.round(s.ms * share),
    compression: 'zstd',
    encryption: null,
  });
  return {
    format: 'supabase-backup-set',
    format_version: 1,
    project,
    ref: null,
    set_id: id,
    started_at: s.started.toISOString(),
    finished_at: new Date(s.started.getTime() + s.ms).toISOString(),
    engine: 'supabase-cli',
    tools: { pg_dump: '17.6' },
    server: { version: '15.8', major: 15 },
    parts: [part('roles', 0.01), part('schema', 0.04), part('data', 0.95)],
    tables: [{ schema: 'public', name: 'orders', rows: Math.round(s.bytes / 300) }],
    materialized_views: [],
    warnings: [],
  };
}

function manifestEntry(b) {
  const parts = b.parts.map((p) => ({
    part: p.part,
    files: [p.file],
    bytes: p.bytes,
    raw_bytes: p.raw_bytes,
    sha256: p.sha256,
    compression: p.compression,
    encryption: null,
  }));
  return {
    project: b.project,
    set_id: b.set_id,
    path: `${b.project}/${b.set_id}`,
    started_at: b.started_at,
    finished_at: b.finished_at,
    status: 'ok',
    engine: b.engine,
    server_version: b.server.version,
    parts,
    bytes: parts.reduce((a, p) => a + p.bytes, 0),
    raw_bytes: parts.reduce((a, p) => a + p.raw_bytes, 0),
    tables: b.tables.length,
    rows: b.tables.reduce((a, t) => a + t.rows, 0),
    warnings: [],
    commit: hex(`${b.project}/${b.set_id}/commit`, 40),
    reason: null,
  };
}

/**
 * The backup branch as the action leaves it: every set folder (backup.json, SHA256SUMS and
 * small stand-ins for the dump files: plan fetches no file but manifest.json) and the
 * manifest.json listing them, in one commit made with git fast-import.
 */
function makeBranch(gitRoot, projects) {
  const repo = path.join(gitRoot, `${REPO}.git`);
  mkdirSync(repo, { recursive: true });
  execFileSync('git', ['init', '--quiet', '--bare', repo]);
  execFileSync('git', ['-C', repo, 'config', 'uploadpack.allowFilter', 'true']);
  const chunks = [];
  const file = (p, text) => {
    const data = Buffer.from(text);
    chunks.push(
      Buffer.from(`M 100644 inline ${p}\ndata ${data.length}\n`),
      data,
      Buffer.from('\n'),
    );
  };
  const entries = [];
  const msg = 'fleet bench catalog';
  chunks.push(
    Buffer.from(
      `commit refs/heads/${BRANCH}\ncommitter bench <bench@example.com> 1795000000 +0000\ndata ${msg.length}\n${msg}\n`,
    ),
  );
  for (const p of projects) {
    for (const s of p.sets) {
      const b = backupJson(p.name, s);
      const dir = `${p.name}/${b.set_id}`;
      const sums = b.parts.map((x) => `${x.sha256}  ${x.file}`).join('\n') + '\n';
      for (const x of b.parts) file(`${dir}/${x.file}`, `${dir}/${x.file}\n`);
      file(`${dir}/SHA256SUMS`, sums);
      file(`${dir}/backup.json`, JSON.stringify(b, null, 2) + '\n');
      entries.push(manifestEntry(b));
    }
  }
  const manifest = {
    format: 'supabase-backup-manifest',
    format_version: 1,
    updated_at: new Date().toISOString(),
    sets: entries,
  };
  const manifestText = JSON.stringify(manifest, null, 2) + '\n';
  file('manifest.json', manifestText);
  execFileSync('git', ['-C', repo, 'fast-import', '--quiet'], {
    input: Buffer.concat(chunks),
    maxBuffer: 64 * 1024 * 1024,
  });
  return { repo, manifestBytes: Buffer.byteLength(manifestText), sets: entries.length };
}

/** The same sets in the local output directory: <out>/<project>/<set-id>/backup.json. */
function makeLocal(out, projects) {
  let n = 0;
  for (const p of projects)
    for (const s of p.sets) {
      const b = backupJson(p.name, s);
      const dir = path.join(out, p.name, b.set_id);
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, 'backup.json'), JSON.stringify(b, null, 2) + '\n');
      n++;
    }
  return n;
}

function config(file, projects, { schedule, destinations, change = false }) {
  const lines = [
    'version: 1',
    'defaults:',
    `  schedule: "${schedule}"`,
    `  destinations: [${destinations}]`,
    '  retention:',
    '    keep_daily: 7',
    'projects:',
  ];
  for (const [i, p] of projects.entries()) {
    lines.push(
      `  - name: ${p.name}`,
      `    db_url_secret: ${p.name.toUpperCase().replace(/-/g, '_')}_DB_URL`,
    );
    if (change && i % 10 === 0) lines.push('    parts: [schema, data]');
  }
  writeFileSync(file, lines.join('\n') + '\n');
}

/**
 * Runs the measurements; `opts`: {work, node, cli, index (dist/index.js), rssHook, n, sets, log}.
 * Returns the results (for the report and BENCH_JSON).
 */
export async function fleetBench(opts) {
  const { work, node, cli, index, rssHook, n, log } = opts;
  const repeat = Math.max(1, opts.runs ?? 3);
  const at = '2026-11-23T03:30:00Z';
  const root = path.join(work, 'fleet');
  mkdirSync(root, { recursive: true });
  const projects = fleetSets(n, opts.sets, at);
  let t0 = Date.now();
  const branch = makeBranch(path.join(root, 'git'), projects);
  const out = path.join(root, 'out');
  const localSets = makeLocal(out, projects);
  const empty = path.join(root, 'empty');
  mkdirSync(empty);
  log(
    `bench: fleet: ${n} projects, ${branch.sets} sets on the branch (manifest.json ${(branch.manifestBytes / 1024 / 1024).toFixed(1)} MiB) and ${localSets} locally, made in ${((Date.now() - t0) / 1000).toFixed(0)} s`,
  );
  const cfg = path.join(root, 'backups.config.yaml');
  const base = path.join(root, 'base.yaml');
  config(cfg, projects, { schedule: '0 3 * * *', destinations: 'branch' });
  config(base, projects, { schedule: '0 3 * * *', destinations: 'branch', change: true });

  const rssFile = path.join(root, 'rss.json');
  const env = (extra) => ({
    PATH: process.env.PATH,
    HOME: process.env.HOME ?? root,
    LC_ALL: 'C',
    BENCH_RSS_FILE: rssFile,
    ...extra,
  });
  const github = {
    GITHUB_REPOSITORY: REPO,
    GIT_SERVER_URL: `file://${path.join(root, 'git')}`,
    GITHUB_EVENT_NAME: 'schedule',
  };
  const runs = [];
  const run = async (label, args, extraEnv, check, before) => {
    const stdout = path.join(root, 'stdout');
    const walls = [];
    let nodeRssKb = 0;
    let gitRssKb = null;
    let text = '';
    // A shared machine: the median wall time of `repeat` runs, the largest peak RSS.
    for (let i = 0; i < repeat; i++) {
      before?.();
      const m = await measure(node, ['--import', rssHook, ...args], {
        env: env(extraEnv),
        stdout,
        rssFile,
        cwd: root,
        label,
      });
      walls.push(m.wall);
      nodeRssKb = Math.max(nodeRssKb, m.selfRssKb ?? 0);
      if (m.byName.git) gitRssKb = Math.max(gitRssKb ?? 0, m.byName.git.hwmKb);
      text = readFileSync(stdout, 'utf8');
    }
    const sorted = [...walls].sort((a, b) => a - b);
    const row = {
      label,
      runs: repeat,
      wall: sorted[(sorted.length - 1) >> 1],
      walls,
      nodeRssKb,
      gitRssKb,
      stdoutBytes: Buffer.byteLength(text),
    };
    Object.assign(row, check?.(text) ?? {});
    runs.push(row);
    log(`  ${label}: ${row.wall.toFixed(2)} s, node ${(row.nodeRssKb / 1024).toFixed(0)} MB`);
    return row;
  };
  const planArgs = [cli, 'plan', '--config', cfg, '--at', at, '--json'];
  const checkPlan = (text) => {
    const plan = JSON.parse(text);
    const names = plan.matrix.include.flatMap((e) => e.projects.split(','));
    const due = plan.decisions.filter((d) => d.due).length;
    // Every fourth project has a set from today: a plan that missed the catalog would differ.
    if (due !== n - Math.ceil(n / 4))
      throw new Error(
        `plan: ${due} due projects, expected ${n - Math.ceil(n / 4)} from the catalog`,
      );
    if (names.length !== due || new Set(names).size !== due || plan.matrix.include.length > 256)
      throw new Error(
        'plan: the matrix does not name every due project exactly once in at most 256 entries',
      );
    const est = plan.jobs.map((j) => j.estimate_ms ?? 0);
    return {
      due,
      entries: plan.matrix.include.length,
      largestJob: Math.max(...plan.jobs.map((j) => j.projects.length)),
      longestH: Math.max(...est) / 3_600_000,
      averageH: est.reduce((a, b) => a + b, 0) / est.length / 3_600_000,
      // The heaviest due project (its newest set is the last one made).
      largestH:
        Math.max(...projects.filter((_, i) => i % 4 !== 0).map((p) => p.sets.at(-1).ms)) /
        3_600_000,
    };
  };
  await run('plan --json, branch catalog (CLI)', [...planArgs, '--out', empty], github, checkPlan);
  await run(
    'plan --json, local catalog (CLI)',
    [...planArgs, '--out', out],
    { GITHUB_EVENT_NAME: 'schedule' },
    checkPlan,
  );
  await run(
    'plan --json, branch and local catalogs (CLI)',
    [...planArgs, '--out', out],
    github,
    checkPlan,
  );
  await run('validate (CLI)', [cli, 'validate', '--config', cfg], {});
  await run(
    'validate --base, the pull-request plan (CLI)',
    [cli, 'validate', '--config', cfg, '--base', base],
    {},
  );
  // The action itself, as a workflow step runs it: outputs and the job summary to files.
  const summaries = {};
  const action = async (key, label, command, config, extra) => {
    const file = key.replace(/\W+/g, '-');
    const summary = path.join(root, `summary-${file}.md`);
    const output = path.join(root, `output-${file}`);
    const reset = () => {
      writeFileSync(summary, '');
      writeFileSync(output, '');
    };
    const row = await run(
      label,
      [index],
      {
        INPUT_COMMAND: command,
        INPUT_CONFIG: config,
        'INPUT_OUT-DIR': out,
        INPUT_AT: at,
        GITHUB_STEP_SUMMARY: summary,
        GITHUB_OUTPUT: output,
        RUNNER_TEMP: root,
        ...extra,
      },
      undefined,
      reset,
    );
    const text = readFileSync(summary, 'utf8');
    summaries[key] = {
      bytes: Buffer.byteLength(text),
      cut: text.includes('This summary is cut short'),
      outputBytes: statSync(output).size,
    };
    if (summaries[key].bytes > SUMMARY_LIMIT)
      throw new Error(
        `${label}: a job summary of ${summaries[key].bytes} bytes, over GitHub's limit`,
      );
    row.summaryBytes = summaries[key].bytes;
  };
  const withBranch = { ...github, 'INPUT_GIT-SERVER-URL': github.GIT_SERVER_URL };
  await action('plan', 'action, command plan', 'plan', cfg, withBranch);
  await action('validate', 'action, command validate', 'validate', cfg, {});
  // A fleet whose plan summary is past GitHub's limit: cut, with the note (no catalog: all due).
  const big = path.join(root, 'big.yaml');
  const bigN = opts.bigN ?? 5 * n;
  config(
    big,
    Array.from({ length: bigN }, (_, i) => ({ name: name(i) })),
    {
      schedule: '0 3 * * *',
      destinations: 'local',
    },
  );
  await action(
    `plan of ${bigN.toLocaleString('en-US')} projects`,
    `action, command plan, ${bigN.toLocaleString('en-US')} projects, no sets`,
    'plan',
    big,
    {
      GITHUB_EVENT_NAME: 'schedule',
      'INPUT_OUT-DIR': empty,
    },
  );
  return {
    n,
    sets: branch.sets,
    localSets,
    manifestBytes: branch.manifestBytes,
    at,
    runs,
    summaries,
    limit: SUMMARY_LIMIT,
    elapsed: (Date.now() - t0) / 1000,
  };
}

const fmt = (v, d = 2) => (v === null || v === undefined || Number.isNaN(v) ? '—' : v.toFixed(d));
const kib = (b) => `${(b / 1024).toFixed(0)} KiB`;

export function fleetMarkdown(r, machine) {
  const rows = r.runs.map(
    (x) =>
      `| ${x.label} | ${fmt(x.wall)} (${fmt(Math.min(...x.walls))}) | ${fmt(x.nodeRssKb / 1024, 0)} | ${x.gitRssKb ? fmt(x.gitRssKb / 1024, 0) : '—'} | ${x.summaryBytes !== undefined ? kib(x.summaryBytes) : kib(x.stdoutBytes)} |`,
  );
  const plan = r.runs.find((x) => x.entries !== undefined);
  const lines = [
    `### Fleet: ${r.n.toLocaleString('en-US')} projects, ${r.sets.toLocaleString('en-US')} sets`,
    '',
    `${r.n.toLocaleString('en-US')} projects on a daily schedule, ${r.sets.toLocaleString('en-US')} sets on the backup branch (manifest.json ${(r.manifestBytes / 1024 / 1024).toFixed(1)} MiB; the set folders are in the tree, their dump files are small stand-ins, which the blobless fetch never downloads) and ${r.localSets.toLocaleString('en-US')} in the output directory (backup.json files), as of ${r.at}. Wall time (the median and the fastest of ${r.runs[0]?.runs ?? 1} runs, on a machine shared with other work: see the load below) and the node process's own peak RSS (the largest); git is the largest git process the run started. "output" is what the CLI printed, or the job summary the action wrote (GitHub refuses one over ${kib(r.limit)}).`,
    '',
    '| what | wall s (median, min) | node peak RSS MB | git peak RSS MB | output |',
    '|---|---|---|---|---|',
    ...rows,
    '',
  ];
  if (plan)
    lines.push(
      `The plan: ${plan.due.toLocaleString('en-US')} due projects in ${plan.entries} matrix entries of up to ${plan.largestJob} projects; the longest job is estimated at ${fmt(plan.longestH)} h from the last sets (average ${fmt(plan.averageH)} h, the largest single project ${fmt(plan.largestH)} h). ` +
        `Job summaries: ${Object.entries(r.summaries)
          .map(([k, v]) => `${k} ${kib(v.bytes)}${v.cut ? ' (cut, with the note)' : ''}`)
          .join(
            ', ',
          )}; the plan's outputs (projects, matrix) ${kib(r.summaries.plan.outputBytes)}.`,
      '',
    );
  if (machine)
    lines.push(
      `Measured ${machine.date} on ${machine.nproc} cores (${machine.cpu}), load average at start ${machine.loadavg}; ${machine.cli}; Node ${machine.node}.`,
      '',
    );
  return lines.join('\n');
}

export function writeFleetDocs(file, markdown) {
  const section = `${FLEET_BEGIN}\n\n${markdown.trim()}\n\n${FLEET_END}`;
  let text = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n';
  const a = text.indexOf(FLEET_BEGIN);
  const b = text.indexOf(FLEET_END);
  if (a !== -1 && b > a) text = text.slice(0, a) + section + text.slice(b + FLEET_END.length);
  else text = `${text.trimEnd()}\n\n## Fleets: plan and validate at scale\n\n${section}\n`;
  writeFileSync(file, text);
}
