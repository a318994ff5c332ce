// Turns the measurements into markdown: the main table, PASS/MISS lines, diagnostics, the
// stage-by-stage profile, the CPU profile and the multi-project table; and writes them into
// docs/benchmarks.md between the generated markers (text outside them is kept).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

const MB = 1024 * 1024;
export const BEGIN =
  '<!-- BEGIN GENERATED: npm run bench rewrites everything up to the END marker -->';
export const END = '<!-- END GENERATED -->';

export const TARGETS = { timeRatio: 1.15, rssMb: 150, rssFlatMb: 10, rssFlatShare: 0.15 };

export function median(xs) {
  const v = xs.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (!v.length) return null;
  const m = Math.floor(v.length / 2);
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}
const max = (xs) => {
  const v = xs.filter((x) => typeof x === 'number');
  return v.length ? Math.max(...v) : null;
};

export function fmt(x, digits = 2) {
  return x === null || x === undefined || Number.isNaN(x) ? '—' : Number(x).toFixed(digits);
}
const mb = (bytes, d = 1) => (bytes === null || bytes === undefined ? '—' : fmt(bytes / MB, d));
const kbToMb = (kb, d = 0) => (kb === null || kb === undefined ? '—' : fmt(kb / 1024, d));
const x = (r, d = 2) => (r === null || r === undefined ? '—' : `${fmt(r, d)}x`);

function table(head, rows) {
  const out = [
    `| ${head.join(' | ')} |`,
    `|${head.map((h) => (/^(what|stage|function|DB|helpers|CPU s by process|rows)/.test(h) ? '---' : '---:')).join('|')}|`,
  ];
  for (const r of rows) out.push(`| ${r.join(' | ')} |`);
  return out.join('\n');
}

const LABELS = {
  pg_dump: '`pg_dump --data-only > /dev/null` (physical limit)',
  official: 'official scripts (roles, schema, data) -> 3 .sql files',
  'official-gzip': 'official scripts \\| `gzip -6` -> 3 .sql.gz files',
  'tool-supabase-cli-zstd': '**tool, supabase-cli, zstd, all parts**',
  'tool-supabase-cli-gzip': 'tool, supabase-cli, gzip, all parts',
  'tool-supabase-cli-zstd-data': 'tool, supabase-cli, zstd, `--only data`',
  'tool-pg-dump-zstd': 'tool, pg-dump, zstd, all parts',
  'tool-pg-dump-gzip': 'tool, pg-dump, gzip, all parts',
  'tool-pg-dump-zstd-data': 'tool, pg-dump, zstd, `--only data`',
};

/** Process names as shown: the measured process itself is "main:<comm>"; Node 24 calls its main thread MainThread. */
function displayName(name) {
  if (name === 'main:MainThread' || name === 'main:node') return 'node (main)';
  if (name === 'node') return 'node (CLI shim)';
  if (name === 'postgres') return 'postgres (server)';
  return name.replace(/^main:/, '');
}

/** "supabase 160, pg_dump 12" from the helpers of a run: biggest peak RSS per process name. */
function helperList(runs, { rss = true } = {}) {
  const agg = {};
  for (const r of runs)
    for (const [name, h] of Object.entries(r.helpers ?? {})) {
      if (name.startsWith('main:') || name === 'postgres') continue;
      const a = (agg[name] ??= { rssKb: 0, cpu: [] });
      a.rssKb = Math.max(a.rssKb, h.rssKb);
      a.cpu.push(h.cpu);
    }
  return Object.entries(agg)
    .sort((a, b) => (rss ? b[1].rssKb - a[1].rssKb : median(b[1].cpu) - median(a[1].cpu)))
    .map(([n, a]) =>
      rss ? `${displayName(n)} ${kbToMb(a.rssKb)}` : `${displayName(n)} ${fmt(median(a.cpu), 1)}`,
    )
    .join(', ');
}

/** CPU seconds by process of the median run: "postgres 3.1, node 2.9, pg_dump 0.4". */
function cpuByProcess(runs) {
  const agg = {};
  for (const r of runs)
    for (const [name, h] of Object.entries(r.helpers ?? {}))
      (agg[displayName(name)] ??= []).push(h.cpu);
  return Object.entries(agg)
    .map(([n, v]) => [n, median(v)])
    .filter(([, v]) => v >= 0.05)
    .sort((a, b) => b[1] - a[1])
    .map(([n, v]) => `${n} ${fmt(v, 1)}`)
    .join(', ');
}

export function cpuProfileSummary(profile) {
  const self = new Map();
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const dt = profile.timeDeltas ?? [];
  const ticks = new Map();
  (profile.samples ?? []).forEach((id, i) => ticks.set(id, (ticks.get(id) ?? 0) + (dt[i] ?? 0)));
  let total = 0;
  for (const [id, us] of ticks) {
    const n = byId.get(id);
    const cf = n.callFrame;
    const where = cf.url ? `${cf.url.replace(/^.*\//, '')}:${cf.lineNumber + 1}` : '';
    const key = `${cf.functionName || '(anonymous)'}${where ? ` ${where}` : ''}`;
    self.set(key, (self.get(key) ?? 0) + us);
    total += us;
  }
  return [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 12)
    .map(([fn, us]) => ({ fn, ms: us / 1000, share: us / total }));
}

export function markdownTable(results) {
  const { info, sizes } = results;
  const text = [];
  const doc = [];
  const both = (s) => {
    text.push(s);
    doc.push(s);
  };

  // ---- main table ------------------------------------------------------------------------------
  const mainRows = [];
  const diagRows = [];
  const targets = { time: {}, rss: [], size: {} };
  for (const s of sizes) {
    const med = (k, f) => median((s.runs[k] ?? []).map((r) => r[f]));
    // What the run would take if CPU were the only limit and the machine were ours: no process
    // is faster than its own CPU time, and all of them share the cores.
    const cores = info.nproc;
    const cpuFloor = (k) =>
      median(
        (s.runs[k] ?? []).map((r) =>
          Math.max(r.serverCpu, ((r.clientCpu ?? 0) + r.serverCpu) / cores),
        ),
      );
    const base = med('pg_dump', 'wall');
    const gzipAll = med('official-gzip', 'stored');
    const gzipData = med('official-gzip', 'dataStored');
    const rawAll = med('official', 'stored');
    const label = `${s.mb} MB`;
    for (const k of Object.keys(LABELS)) {
      const runs = s.runs[k];
      if (!runs?.length) continue;
      const wall = med(k, 'wall');
      const isTool = k.startsWith('tool-');
      const dataOnly = k.endsWith('-data');
      const stored = k === 'pg_dump' ? null : med(k, 'stored');
      const raw = isTool ? med(k, 'raw') : k === 'pg_dump' ? null : rawAll;
      const gz = dataOnly ? gzipData : gzipAll;
      const nodeRss = isTool ? max(runs.map((r) => r.nodeRssKb)) : null;
      mainRows.push([
        label,
        LABELS[k],
        String(runs.length),
        fmt(wall, 2),
        x(wall / base),
        kbToMb(nodeRss),
        mb(stored),
        stored && raw ? fmt(stored / raw, 3) : '—',
        stored && gz ? fmt(stored / gz, 3) : '—',
      ]);
      diagRows.push([
        label,
        LABELS[k],
        isTool ? fmt(med(k, 'dataMs') / 1000, 2) : '—',
        isTool ? x(med(k, 'dataMs') / 1000 / base) : '—',
        fmt(med(k, 'clientCpu'), 1),
        fmt(med(k, 'serverCpu'), 1),
        fmt(med(k, 'busyCores'), 2),
        fmt(med(k, 'otherCores'), 2),
        x(cpuFloor(k) / cpuFloor('pg_dump')),
        kbToMb(max(runs.map((r) => r.sumRssKb))),
        helperList(runs) || '—',
      ]);
      if (isTool) targets.rss.push({ mb: s.mb, key: k, kb: nodeRss });
      if (isTool && !dataOnly && k.endsWith('-zstd')) {
        const engine = k.replace(/^tool-|-zstd$/g, '');
        (targets.time[engine] ??= []).push({
          mb: s.mb,
          ratio: wall / base,
          wall,
          base,
          dataRatio: med(k, 'dataMs') / 1000 / base,
        });
        (targets.size[engine] ??= []).push({
          mb: s.mb,
          ratio: stored / gzipAll,
          stored,
          gz: gzipAll,
        });
      }
    }
  }

  both('### Results');
  both('');
  both(
    `Medians of ${results.runs} run(s); "x pg_dump" is wall time over \`pg_dump --data-only > /dev/null\` of the same database; node peak RSS is the tool's own process (the largest of the runs); stored / gzip -6 compares with the official scripts piped through \`gzip -6\` (the same parts).`,
  );
  both('');
  both(
    table(
      [
        'DB (table data)',
        'what',
        'runs',
        'wall s',
        'x pg_dump',
        'node peak RSS MB',
        'stored MB',
        'stored / raw',
        'stored / gzip -6',
      ],
      mainRows,
    ),
  );
  both('');

  // ---- targets -----------------------------------------------------------------------------------
  const lines = [];
  for (const [engine, list] of Object.entries(targets.time)) {
    const ok = list.every((t) => t.ratio <= TARGETS.timeRatio);
    lines.push(
      `${ok ? 'PASS' : 'MISS'}  time (${engine}): full backup, zstd, checksummed, written, within ${TARGETS.timeRatio}x of pg_dump --data-only: ` +
        list
          .map(
            (t) =>
              `${t.mb} MB ${fmt(t.ratio, 2)}x (${fmt(t.wall, 2)} s vs ${fmt(t.base, 2)} s; data part alone ${fmt(t.dataRatio, 2)}x)`,
          )
          .join('; '),
    );
  }
  {
    const perSize = new Map();
    for (const t of targets.rss)
      if (t.kb !== null) perSize.set(t.mb, Math.max(perSize.get(t.mb) ?? 0, t.kb / 1024));
    const vals = [...perSize.values()];
    if (vals.length) {
      const hi = Math.max(...vals);
      const lo = Math.min(...vals);
      const flat = hi - lo <= Math.max(TARGETS.rssFlatMb, lo * TARGETS.rssFlatShare);
      const ok = hi < TARGETS.rssMb && flat;
      lines.push(
        `${ok ? 'PASS' : 'MISS'}  memory: node peak RSS under ${TARGETS.rssMb} MB and flat across sizes (spread <= max(${TARGETS.rssFlatMb} MB, ${TARGETS.rssFlatShare * 100}%)): ` +
          [...perSize.entries()].map(([m, v]) => `${m} MB ${fmt(v, 0)} MB`).join('; ') +
          (vals.length < 2
            ? ' (one size: flatness not checked)'
            : ` (spread ${fmt(hi - lo, 0)} MB, ${flat ? 'flat' : 'not flat'})`),
      );
    }
  }
  for (const [engine, list] of Object.entries(targets.size)) {
    const ok = list.every((t) => t.ratio <= 1);
    lines.push(
      `${ok ? 'PASS' : 'MISS'}  size (${engine}): zstd set no larger than gzip -6 of the official dump: ` +
        list
          .map((t) => `${t.mb} MB ${mb(t.stored)} MB vs ${mb(t.gz)} MB (${fmt(t.ratio, 3)})`)
          .join('; '),
    );
  }
  text.push('### Targets', '', '```', ...lines, '```', '');
  doc.push('### Targets', '', '```', ...lines, '```', '');

  both('### Diagnostics');
  both('');
  both(
    '"data part" is the data part\'s own duration from backup.json (what the streaming costs, without the fixed costs of a run: node start, preflight, the extras queries, roles and schema). CPU is in seconds: client = the measured process tree (from `/usr/bin/time`), server = the PostgreSQL backends that served it. "busy cores" is machine-wide (/proc/stat), "other load" is what other processes on the machine used meanwhile (busy minus ours). "CPU floor" is what the run would take if it had the machine to itself and only CPU counted (the larger of the server\'s CPU time and all CPU time over the cores), over the same for pg_dump: an estimate free of the other load. "all processes" is the largest sum of the RSS of the run\'s client processes at one moment (the tool and every helper alive then); helper peak RSS is per process name. Both are sampled every 100 ms.',
  );
  both('');
  both(
    table(
      [
        'DB (table data)',
        'what',
        'data part s',
        'data part x pg_dump',
        'client CPU s',
        'server CPU s',
        'busy cores',
        'other load',
        'CPU floor x pg_dump',
        'all processes peak RSS MB',
        'helpers peak RSS MB',
      ],
      diagRows,
    ),
  );
  both('');

  // CPU by process at the largest size.
  const largest = sizes.at(-1);
  if (largest) {
    const rows = Object.keys(LABELS)
      .filter((k) => largest.runs[k]?.length)
      .map((k) => [LABELS[k], cpuByProcess(largest.runs[k])]);
    both(
      `CPU seconds by process, ${largest.mb} MB (median of the runs; "node (main)" is the measured node process itself, "node (CLI shim)" the Supabase CLI's npm launcher, "supabase" its Go binary):`,
    );
    both('');
    both(table(['what', 'CPU s by process'], rows));
    both('');
  }

  // ---- stages ---------------------------------------------------------------------------------------
  if (results.stages) {
    const st = results.stages;
    const base = median(st.runs[st.steps[0]].map((r) => r.wall));
    let prev = null;
    const rows = st.steps.map((k, i) => {
      const runs = st.runs[k];
      const wall = median(runs.map((r) => r.wall));
      const delta = prev !== null && i >= 2 && i <= 6 ? fmt(wall - prev, 2) : '';
      if (i <= 6) prev = wall;
      return [
        k,
        fmt(wall, 2),
        delta,
        x(wall / base),
        fmt(median(runs.map((r) => r.clientCpu)), 1),
        fmt(median(runs.map((r) => r.serverCpu)), 1),
        fmt(median(runs.map((r) => r.busyCores)), 2),
        cpuByProcess(runs),
      ];
    });
    both(
      `### Where the time goes (${st.mb} MB, the data part outside the tool: bench/lib/stages.mjs)`,
    );
    both('');
    both(
      table(
        [
          'stage',
          'wall s',
          '+ s',
          'x pg_dump',
          'client CPU s',
          'server CPU s',
          'busy cores',
          'CPU s by process',
        ],
        rows,
      ),
    );
    both('');
  }
  if (results.stages?.cpu) {
    const st = results.stages;
    const gb = st.sqlBytes / 1e9;
    const perGb = (c) => (c === null ? null : c / gb);
    both(
      `CPU cost of each stage alone, on the ${mb(st.sqlBytes, 0)} MB data.sql of that database read from disk (all threads of the process, best of 3):`,
    );
    both('');
    both(
      table(
        ['stage', 'CPU s', 'CPU s per GB of SQL', 'output MB'],
        st.cpu.map((c) => [c.key, fmt(c.cpu, 2), fmt(perGb(c.cpu), 2), mb(c.out)]),
      ),
    );
    both('');
    const get = (k) => st.cpu.find((c) => c.key.startsWith(k))?.cpu ?? null;
    const node = get('the whole data-part');
    const zstd = get('zstd level 3');
    const sed = get('`sed`') ?? 0;
    const cores = results.info.nproc;
    if (node !== null && zstd !== null && st.server) {
      const pg = st.server + (st.pgDumpCpu ?? 0);
      // Each process (and zstd's thread) runs on one core at a time; all of them share `cores`.
      const floorPg = Math.max(st.server, pg / cores);
      const floorTool = (withSed) =>
        Math.max(st.server, zstd, (pg + node + (withSed ? sed : 0)) / cores);
      const budget = TARGETS.timeRatio * floorPg * cores - pg;
      both(
        `A floor from these numbers, per GB of SQL, for ${cores} idle cores: the server's COPY costs ${fmt(perGb(st.server), 1)} CPU s and pg_dump ${fmt(perGb(st.pgDumpCpu), 1)}, so plain pg_dump cannot take less than ${fmt(perGb(floorPg), 1)} s. ` +
          `The tool's data part adds ${fmt(perGb(node), 1)} CPU s in node (zstd alone ${fmt(perGb(zstd), 1)}, on one thread) and, with the supabase-cli engine, ${fmt(perGb(sed), 1)} in sed; so it cannot take less than ${fmt(perGb(floorTool(true)), 1)} s with the supabase-cli engine and ${fmt(perGb(floorTool(false)), 1)} s with pg-dump: ` +
          `**${fmt(floorTool(true) / floorPg, 2)}x and ${fmt(floorTool(false) / floorPg, 2)}x** pg_dump, before any fixed cost. ` +
          `Within ${TARGETS.timeRatio}x, everything the tool adds would have to fit in ${fmt(perGb(budget), 1)} CPU s per GB.`,
      );
      both('');
    }
  }
  if (results.profile) {
    both(
      `CPU profile of the tool's main thread (\`--cpu-prof\`, ${results.profile.mb} MB, \`--only data\`, supabase-cli, zstd), self time; zstd itself runs on libuv's thread pool and is not in it:`,
    );
    both('');
    both(
      table(
        ['function', 'self ms', 'share'],
        results.profile.top.map((t) => [`\`${t.fn}\``, fmt(t.ms, 0), `${fmt(t.share * 100, 1)}%`]),
      ),
    );
    both('');
  }

  // ---- multi ------------------------------------------------------------------------------------------
  if (results.multi) {
    const m = results.multi;
    const keys = Object.keys(m.runs);
    const base = median(m.runs[keys[0]].map((r) => r.wall));
    both(`### ${m.n} projects of ${m.mb} MB in one config (supabase-cli, zstd, all parts)`);
    both('');
    both(
      table(
        [
          'what',
          'wall s',
          'x sequential pg_dump',
          'node peak RSS MB',
          'all processes peak RSS MB',
          'busy cores',
        ],
        keys.map((k) => {
          const runs = m.runs[k];
          const wall = median(runs.map((r) => r.wall));
          return [
            k,
            fmt(wall, 2),
            x(wall / base),
            kbToMb(max(runs.map((r) => r.nodeRssKb))),
            kbToMb(max(runs.map((r) => r.sumRssKb))),
            fmt(median(runs.map((r) => r.busyCores)), 2),
          ];
        }),
      ),
    );
    both('');
    if (!m.hasConcurrency)
      both(
        'This build of dist/cli.js has no `--concurrency` flag yet, so the projects were backed up one after the other; the gain from concurrency is pending (the "all at once" pg_dump row bounds it).',
      );
    both('');
  }

  // ---- data sets, dry runs, machine -------------------------------------------------------------------
  const gen = sizes.map((s) => [
    `${s.mb} MB`,
    mb(s.data.tableBytes, 0),
    mb(s.data.indexBytes, 0),
    Object.entries(s.data.rows)
      .map(([t, n]) => `${t} ${n.toLocaleString('en-US')}`)
      .join(', '),
    fmt(s.genSeconds, 0),
  ]);
  doc.push('### Databases');
  doc.push('');
  doc.push(table(['DB', 'table data MB', 'indexes MB', 'rows', 'generated in s'], gen));
  doc.push('');
  const dry = Object.entries(results.dryRuns)
    .map(([p, d]) => `${p} ${fmt(d.wall, 2)} s / ${kbToMb(d.rssKb)} MB`)
    .join(', ');
  doc.push(
    `Supabase CLI dry runs (\`supabase db dump --dry-run\`, wall / peak RSS of its largest process): ${dry}. The official rows above do not include them (the scripts are fetched once); the tool's rows do not either (with the default filters it runs the scripts shipped for its pinned CLI release and starts no CLI).`,
  );
  doc.push('');
  doc.push('### Machine');
  doc.push('');
  doc.push(
    [
      `- date: ${info.date}${results.elapsedSeconds ? `; the whole bench took ${fmt(results.elapsedSeconds / 60, 0)} min` : ''}`,
      `- ${info.nproc} cores (${info.cpu}), ${info.memory} RAM, Linux ${info.kernel}; load average at start ${info.loadavg}; the bench ran at nice ${info.nice}`,
      `- tool: ${info.cli}`,
      `- tool run with Node ${info.node} (the bench itself: ${info.benchNode}); ${info.pgDump}; server ${info.server}; Supabase CLI ${info.supabase}; ${info.zstdCli}; ${info.gzip}`,
      `- server settings: ${Object.entries(results.settings)
        .map(([k, v]) => `${k}=${v}`)
        .join(', ')}`,
    ].join('\n'),
  );
  doc.push('');
  return { text: text.join('\n'), doc: doc.join('\n') };
}

export function writeDocs(file, generated) {
  const section = `${BEGIN}\n\n${generated.trim()}\n\n${END}`;
  let text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const a = text.indexOf(BEGIN);
  const b = text.indexOf(END);
  if (a !== -1 && b > a) text = text.slice(0, a) + section + text.slice(b + END.length);
  else text = `${text || '# Benchmarks\n'}\n${section}\n`;
  writeFileSync(file, text);
}
