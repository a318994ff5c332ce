// Runs one command and measures it: wall time, CPU of the process tree (/usr/bin/time), and,
// by polling /proc every POLL_MS, the peak RSS (VmHWM) and CPU time of every process of the
// tree and of the PostgreSQL backends that serve it (new children of the postmaster).
import { spawn } from 'node:child_process';
import { Buffer } from 'node:buffer';
import { existsSync, openSync, closeSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { clearInterval, setImmediate, setInterval } from 'node:timers';
import { onCleanup } from './cluster.mjs';

const POLL_MS = 100;
const TICKS = 100; // USER_HZ: /proc/<pid>/stat times are in 1/100 s on Linux
const TIME_BIN = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;

function read(file) {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

function childrenOf(pid) {
  const text = read(`/proc/${pid}/task/${pid}/children`);
  if (text !== null) return text.split(' ').filter(Boolean).map(Number);
  // Kernels without CONFIG_PROC_CHILDREN: scan /proc for the parent pid.
  const out = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const stat = read(`/proc/${d}/stat`);
    if (!stat) continue;
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (ppid === pid) out.push(Number(d));
  }
  return out;
}

function sample(pid) {
  const status = read(`/proc/${pid}/status`);
  const stat = read(`/proc/${pid}/stat`);
  if (!status || !stat) return null;
  const name = /^Name:\s+(.*)$/m.exec(status)?.[1] ?? '?';
  const hwm = Number(/^VmHWM:\s+(\d+) kB$/m.exec(status)?.[1] ?? 0);
  const rss = Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1] ?? 0);
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const cpu = (Number(f[11]) + Number(f[12])) / TICKS; // utime + stime
  return { name, hwmKb: hwm, rssKb: rss, cpu };
}

function machineCpu() {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
  const v = line.split(/\s+/).slice(1).map(Number);
  const idle = v[3] + (v[4] ?? 0);
  const total = v.reduce((a, b) => a + b, 0);
  return { idle, total };
}

const running = new Set();
const timeFiles = new Set();
onCleanup(() => {
  for (const f of timeFiles) rmSync(f, { force: true });
  for (const pid of running) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
});

/**
 * @param {string} cmd
 * @param {string[]} args
 * @param {{env: NodeJS.ProcessEnv, stdout?: string, cwd?: string, postmasterPid?: number,
 *          rssFile?: string, label?: string}} opts
 *   stdout: a file to write the command's stdout to ('/dev/null' by default).
 */
export async function measure(cmd, args, opts) {
  const timeFile = path.join(
    os.tmpdir(),
    `bench-time-${process.pid}-${Math.random().toString(16).slice(2)}`,
  );
  const argv = TIME_BIN
    ? [TIME_BIN, '-f', '%e %U %S %M', '-o', timeFile, cmd, ...args]
    : [cmd, ...args];
  timeFiles.add(timeFile);
  const outFd = openSync(opts.stdout ?? '/dev/null', 'w');
  if (opts.rssFile) rmSync(opts.rssFile, { force: true });
  const before = new Set(opts.postmasterPid ? childrenOf(opts.postmasterPid) : []);
  const cpu0 = machineCpu();
  const t0 = process.hrtime.bigint();
  const child = spawn(argv[0], argv.slice(1), {
    env: opts.env,
    cwd: opts.cwd,
    stdio: ['ignore', outFd, 'pipe'],
    detached: true,
  });
  closeSync(outFd);
  running.add(child.pid);
  const stderr = [];
  child.stderr.on('data', (c) => {
    stderr.push(c);
    if (stderr.length > 200) stderr.splice(0, 100);
  });

  /** pid -> {name, hwmKb, cpu} (the last sample of each process) */
  const seen = new Map();
  /** The largest sum of the client processes' RSS seen at one poll (concurrent helpers add up). */
  let peakSumKb = 0;
  const poll = () => {
    let sum = 0;
    // [pid, depth]: depth 0 is /usr/bin/time (not counted), depth 1 the measured command
    // itself, named "main:<name>" so that it stays apart from helpers of the same name.
    const stack = [[child.pid, TIME_BIN ? 0 : 1]];
    if (opts.postmasterPid)
      for (const p of childrenOf(opts.postmasterPid)) if (!before.has(p)) stack.push([p, 2]);
    while (stack.length) {
      const [pid, depth] = stack.pop();
      const s = sample(pid);
      if (!s) continue;
      // A child forked by node is named MainThread until it execs: not a process of its own.
      if (depth > 0 && !(depth > 1 && s.name === 'MainThread')) {
        const name = depth === 1 ? `main:${s.name}` : s.name;
        if (name !== 'postgres') sum += s.rssKb;
        const prev = seen.get(pid);
        seen.set(pid, {
          name,
          hwmKb: Math.max(prev?.hwmKb ?? 0, s.hwmKb),
          cpu: Math.max(prev?.cpu ?? 0, s.cpu),
        });
      }
      for (const c of childrenOf(pid)) stack.push([c, depth + 1]);
    }
    peakSumKb = Math.max(peakSumKb, sum);
  };
  const timer = setInterval(poll, POLL_MS);
  setImmediate(poll);

  const code = await new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (c, sig) => resolve(sig ? 128 : (c ?? 1)));
  });
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu1 = machineCpu();
  clearInterval(timer);
  running.delete(child.pid);
  timeFiles.delete(timeFile);
  const err = Buffer.concat(stderr).toString();
  let tree = null;
  if (TIME_BIN && existsSync(timeFile)) {
    const lines = readFileSync(timeFile, 'utf8').trim().split('\n');
    const [, user, sys, maxKb] = lines[lines.length - 1].split(' ').map(Number);
    tree = { cpu: user + sys, maxRssKb: maxKb };
    rmSync(timeFile, { force: true });
  }
  if (code !== 0) {
    const e = new Error(`${opts.label ?? cmd} exited with ${code}: ${err.trim().slice(-2000)}`);
    e.stderr = err;
    throw e;
  }
  /** name -> {hwmKb (max over processes of that name), cpu (sum)} */
  const byName = {};
  for (const s of seen.values()) {
    const b = (byName[s.name] ??= { hwmKb: 0, cpu: 0, count: 0 });
    b.hwmKb = Math.max(b.hwmKb, s.hwmKb);
    b.cpu += s.cpu;
    b.count++;
  }
  let selfRssKb = null;
  if (opts.rssFile && existsSync(opts.rssFile)) {
    selfRssKb = JSON.parse(readFileSync(opts.rssFile, 'utf8')).maxRssKb;
    rmSync(opts.rssFile, { force: true });
  }
  const busy = cpu1.total - cpu1.idle - (cpu0.total - cpu0.idle);
  const cores = os.cpus().length;
  return {
    wall,
    tree,
    byName,
    selfRssKb,
    peakSumKb,
    /** Average number of busy cores over the run, machine-wide. */
    busyCores: (busy / Math.max(1, cpu1.total - cpu0.total)) * cores,
    stderr: err,
  };
}
