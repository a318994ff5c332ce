// The restore and drill sections of npm run bench, and the three anchors of issue #18, each
// measured in the same run as the tool so that only ratios are compared:
//   backup   the tool's backup (all parts, supabase-cli engine, zstd) against
//            `pg_dump --data-only | zstd -3 > f && sha256sum f`
//   restore  `restore --yes` of that set into a new database (the Supabase base loaded) against
//            the set's parts through `zstd -dc | psql --single-transaction` into the same
//   drill    `verify --drill` of that set (its own cluster, base, restore, row counts, content
//            digests: all counted) against the same plain restore
// BENCH_PIN=1 also runs the backup and restore pairs with the server pinned to core 0 and the
// client side (the tool, or the shell pipeline) to core 1 (taskset), so the client's own cost
// shows instead of competing with the server for the same cores.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cleanEnv } from './cluster.mjs';
import { measure } from './measure.mjs';
import { fmt, median } from './report.mjs';

export const ANCHOR_TARGETS = { backup: 1.2, restore: 1.2, drill: 1.5, rssMb: 150 };

const hasTaskset = () => {
  try {
    execFileSync('sh', ['-c', 'command -v taskset'], { stdio: 'ignore' });
    return os.cpus().length >= 2;
  } catch {
    return false;
  }
};

/** Pins the postmaster (and so every backend it forks from now on) to `cpus`. */
function pinServer(pid, cpus) {
  execFileSync('taskset', ['-a', '-p', '-c', cpus, String(pid)], { stdio: 'ignore' });
}

/**
 * @param {object} o
 * @param {any} o.cluster  the bench cluster (bench/lib/cluster.mjs)
 * @param {string} o.work, o.node, o.cli, o.pgBin, o.rssHook, o.baseSql, o.db, o.pgPath
 * @param {number} o.runs, o.postmasterPid
 * @param {boolean} o.localDestination, o.pin
 * @param {(m: any) => any} o.summarize
 * @param {(...a: string[]) => void} o.log
 */
export async function anchorBench(o) {
  const { cluster, work, node, cli, pgBin, db, log } = o;
  const psqlBin = path.join(pgBin, 'psql');
  const pgDump = path.join(pgBin, 'pg_dump');
  const envFor = (d) => cleanEnv({ ...cluster.pgEnv(d), PATH: o.pgPath });
  const rssFile = path.join(work, 'rss-anchor.json');
  const pin = o.pin && hasTaskset();
  const wrap = (cmd, args, pinned) =>
    pinned ? ['taskset', ['-c', '1', cmd, ...args]] : [cmd, args];

  // The set every restore and drill reads: one backup by the tool, kept.
  const setRoot = path.join(work, 'anchor-set');
  rmSync(setRoot, { recursive: true, force: true });
  const cfg = path.join(work, 'anchor.yaml');
  const yaml = [
    'version: 1',
    'projects:',
    '  - name: bench',
    '    db_url_secret: BENCH_DB_URL',
    '    engine: supabase-cli',
    '    compression: zstd',
    ...(o.localDestination ? ['    destinations: [local]'] : []),
  ];
  writeFileSync(cfg, `${yaml.join('\n')}\n`);
  const toolEnv = (extra = {}) =>
    cleanEnv({
      PATH: o.pgPath,
      BENCH_RSS_FILE: rssFile,
      XDG_CACHE_HOME: path.join(work, 'xdg-anchor'),
      ...extra,
    });
  const backupArgs = (out) => [
    '--import',
    o.rssHook,
    cli,
    'backup',
    '--config',
    cfg,
    '--out',
    out,
    '--pg-bin-dir',
    pgBin,
    '--json',
  ];
  execFileSync(node, backupArgs(setRoot), {
    env: toolEnv({ BENCH_DB_URL: cluster.url(db) }),
    stdio: 'ignore',
  });
  const setDir = path.join(setRoot, 'bench', readdirSync(path.join(setRoot, 'bench'))[0]);
  const parts = readdirSync(setDir).filter((f) =>
    /^(roles|schema|data)\.sql\.zst(\.\d+)?$/.test(f),
  );
  const storedBytes = parts.reduce((a, f) => a + statSync(path.join(setDir, f)).size, 0);

  // A new project: the Supabase base in a template database, copied for every restore.
  const template = `${db}_restore_base`;
  await cluster.psql(`DROP DATABASE IF EXISTS ${template}`);
  await cluster.psql(`CREATE DATABASE ${template} TEMPLATE template0`);
  await cluster.psqlFile(o.baseSql, template);
  const target = `${db}_restore`;
  const freshTarget = async () => {
    await cluster.psql(`DROP DATABASE IF EXISTS ${target}`);
    await cluster.psql(`CREATE DATABASE ${target} TEMPLATE ${template}`);
  };

  const plainRestore = [
    'set -euo pipefail',
    // A part over the chunk size is stored as <part>.sql.zst.000, .001...: joined in order.
    '{ cat "$1"/roles.sql.zst* | zstd -dc; cat "$1"/schema.sql.zst* | zstd -dc;',
    '  echo "SET session_replication_role = replica;"; cat "$1"/data.sql.zst* | zstd -dc; } |',
    `  "${psqlBin}" -X -q --single-transaction -v ON_ERROR_STOP=1 > /dev/null`,
  ].join('\n');
  const anchorBackupOut = path.join(work, 'anchor-backup.sql.zst');
  const plainBackup = [
    'set -euo pipefail',
    `"${pgDump}" --data-only | zstd -q -3 > "$1"`,
    'sha256sum "$1" > /dev/null',
  ].join('\n');

  const measureTool = async (label, args, env, pinned) => {
    const [cmd, a] = wrap(node, args, pinned);
    const m = await measure(cmd, a, {
      env,
      postmasterPid: o.postmasterPid,
      rssFile,
      label,
    });
    return o.summarize(m);
  };
  const measureShell = async (label, script, args, env, pinned) => {
    const [cmd, a] = wrap('bash', ['-c', script, 'anchor', ...args], pinned);
    return o.summarize(await measure(cmd, a, { env, postmasterPid: o.postmasterPid, label }));
  };

  const steps = [
    {
      key: 'backup-anchor',
      run: (p) =>
        measureShell(
          'pg_dump | zstd -3 > f && sha256sum f',
          plainBackup,
          [anchorBackupOut],
          envFor(db),
          p,
        ),
      pinnable: true,
    },
    {
      key: 'backup-tool',
      run: async (p) => {
        const out = path.join(work, 'anchor-backup-tool');
        rmSync(out, { recursive: true, force: true });
        const r = await measureTool(
          'backup',
          backupArgs(out),
          toolEnv({ BENCH_DB_URL: cluster.url(db) }),
          p,
        );
        rmSync(out, { recursive: true, force: true });
        return r;
      },
      pinnable: true,
    },
    {
      key: 'restore-anchor',
      before: freshTarget,
      run: (p) =>
        measureShell(
          'zstd -dc | psql --single-transaction',
          plainRestore,
          [setDir],
          envFor(target),
          p,
        ),
      pinnable: true,
    },
    {
      key: 'restore-tool',
      before: freshTarget,
      run: (p) =>
        measureTool(
          'restore',
          [
            '--import',
            o.rssHook,
            cli,
            'restore',
            '--from',
            setDir,
            '--target-url-env',
            'T',
            '--yes',
            '--pg-bin-dir',
            pgBin,
          ],
          toolEnv({ T: cluster.url(target) }),
          p,
        ),
      pinnable: true,
    },
    {
      key: 'drill-tool',
      run: () =>
        measureTool(
          'verify --drill',
          [
            '--import',
            o.rssHook,
            cli,
            'verify',
            '--drill',
            '--from',
            setDir,
            '--pg-bin-dir',
            pgBin,
          ],
          toolEnv(),
          false,
        ),
      pinnable: false,
    },
  ];

  const runs = Object.fromEntries(steps.map((s) => [s.key, []]));
  const pinned = Object.fromEntries(steps.filter((s) => s.pinnable).map((s) => [s.key, []]));
  const loads = [];
  for (let r = 1; r <= o.runs; r++) {
    loads.push(os.loadavg()[0]);
    log(`bench: anchors on ${db}: run ${r}/${o.runs} (load average ${os.loadavg()[0].toFixed(2)})`);
    for (const s of steps) {
      if (s.before) await s.before();
      runs[s.key].push(await s.run(false));
      log(`  ${s.key}: ${fmt(runs[s.key].at(-1).wall, 2)} s`);
    }
    if (pin && r === 1) {
      try {
        pinServer(o.postmasterPid, '0');
        for (const s of steps.filter((x) => x.pinnable)) {
          if (s.before) await s.before();
          pinned[s.key].push(await s.run(true));
          log(`  ${s.key} (pinned): ${fmt(pinned[s.key].at(-1).wall, 2)} s`);
        }
      } finally {
        pinServer(o.postmasterPid, `0-${os.cpus().length - 1}`);
      }
    }
  }
  await cluster.psql(`DROP DATABASE IF EXISTS ${target}`);
  await cluster.psql(`DROP DATABASE IF EXISTS ${template}`);
  rmSync(setRoot, { recursive: true, force: true });
  rmSync(anchorBackupOut, { force: true });
  return { db, storedBytes, runs, pinned: pin ? pinned : null, loads };
}

const med = (runs, f = 'wall') => median(runs.map((r) => r[f]));
const verdict = (ratio, target) =>
  ratio === null ? '—' : ratio <= target ? `PASS (≤ ${target}x)` : `MISS (> ${target}x)`;

/** The section's markdown: one table per size, ratios against the anchors, PASS/MISS. */
export function anchorMarkdown(sizes, info) {
  sizes = sizes.filter((s) => s.anchors);
  const out = [];
  out.push(
    `Measured ${info.date}, ${info.nproc} cores (${info.cpu}), load average at the start ${info.loadavg}; ` +
      `${info.server}; the tool ${info.cli}; medians of ${sizes[0]?.anchors.runs['restore-tool'].length ?? 0} run(s).`,
    '',
  );
  for (const s of sizes) {
    const a = s.anchors;
    const row = (what, anchorKey, toolKey, target, anchorText) => {
      const an = med(a.runs[anchorKey]);
      const tl = med(a.runs[toolKey]);
      const ratio = an && tl ? tl / an : null;
      const rss = median(a.runs[toolKey].map((r) => r.nodeRssKb));
      const cpu = (k) => fmt(med(a.runs[k], 'clientCpu'), 1);
      const srv = (k) => fmt(med(a.runs[k], 'serverCpu'), 1);
      return `| ${what} | ${anchorText}: ${fmt(an, 2)} s (client ${cpu(anchorKey)} / server ${srv(anchorKey)} CPU s) | ${fmt(tl, 2)} s (client ${cpu(toolKey)} / server ${srv(toolKey)} CPU s) | ${ratio === null ? '—' : `${fmt(ratio, 2)}x`} | ${verdict(ratio, target)} | ${rss ? fmt(rss / 1024, 0) : '—'} MB |`;
    };
    out.push(
      `### ${s.mb} MB of table data (${fmt(s.data.tableBytes / 1024 / 1024, 0)} MB tables; set ${fmt(a.storedBytes / 1024 / 1024, 1)} MB stored; load average per run ${a.loads.map((l) => l.toFixed(1)).join(', ')})`,
      '',
      '| what | anchor | the tool | ratio | target | node peak RSS |',
      '|---|---|---|---:|---|---:|',
      row(
        'backup',
        'backup-anchor',
        'backup-tool',
        ANCHOR_TARGETS.backup,
        '`pg_dump --data-only \\| zstd -3 > f && sha256sum f`',
      ),
      row(
        'restore',
        'restore-anchor',
        'restore-tool',
        ANCHOR_TARGETS.restore,
        '`zstd -dc \\| psql --single-transaction`',
      ),
      row(
        'drill (`verify --drill`)',
        'restore-anchor',
        'drill-tool',
        ANCHOR_TARGETS.drill,
        'the same plain restore',
      ),
      '',
    );
    if (a.pinned) {
      const p = a.pinned;
      const r = (k1, k2) => {
        const x = med(p[k1]);
        const y = med(p[k2]);
        return x && y ? `${fmt(y, 2)} s / ${fmt(x, 2)} s = ${fmt(y / x, 2)}x` : '—';
      };
      out.push(
        `Pinned (server on core 0, client side on core 1, one run): backup ${r('backup-anchor', 'backup-tool')}; restore ${r('restore-anchor', 'restore-tool')}.`,
        '',
      );
    }
  }
  return out.join('\n');
}

export const ANCHOR_BEGIN = '<!-- BEGIN GENERATED ANCHORS: npm run bench rewrites this section -->';
export const ANCHOR_END = '<!-- END GENERATED ANCHORS -->';

/** Writes the section between its own markers (appended under a heading the first time). */
export function writeAnchorDocs(file, markdown) {
  const section = `${ANCHOR_BEGIN}\n\n${markdown.trim()}\n\n${ANCHOR_END}`;
  let text = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n';
  const a = text.indexOf(ANCHOR_BEGIN);
  const b = text.indexOf(ANCHOR_END);
  if (a !== -1 && b > a) text = text.slice(0, a) + section + text.slice(b + ANCHOR_END.length);
  else
    text = `${text.trimEnd()}\n\n## Backup, restore and drill against the shell pipelines\n\n${section}\n`;
  writeFileSync(file, text);
}
