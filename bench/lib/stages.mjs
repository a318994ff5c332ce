// Stage-by-stage profile of the tool's part pipeline, outside the tool: the same Node stream
// stages as src/pipeline/part.ts, switched on one at a time, so the cost of each is measurable.
//
//   node stages.mjs STAGES OUT -- COMMAND [ARGS...]
//
// COMMAND's stdout (e.g. `bash data.sh`) is read the way src/dump/engines.ts reads a dump (a
// child in its own process group, its stdout re-yielded by an async generator) and sent through
// STAGES, a comma-separated list of:
//   raw-sha   sha256 + byte count of the SQL        (DigestStream)
//   rows      COPY row counting                     (CopyRowCounter)
//   zstd      node:zlib zstd, default level (3)     zstd1: level 1; gzip: gzip level 6
//   zstd-bin  the zstd program, level 3, as a child reading stdin (what the tool uses when installed)
//   file-sha  sha256 + byte count of the stored bytes
//   write     FileHandle.write per chunk, fsync, rename (ChunkedFileWriter); else discarded
//   direct    read the child's stdout directly, without the async-generator re-yield
//
//   node stages.mjs --cpu STAGES FILE
//
// reads FILE (a dump already on disk, 64 KiB chunks like a pipe) through STAGES and prints
// {"cpu": seconds of this process, all threads, "wall": seconds, "out": bytes} as JSON: the CPU
// cost of the stages alone, without a database or contention in the way.
import { spawn } from 'node:child_process';
import { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';
import { createReadStream, readFileSync, rmSync } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { Duplex, Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';

const cpuMode = process.argv[2] === '--cpu';
const [stagesArg, out, sep, cmd, ...args] = process.argv.slice(cpuMode ? 3 : 2);
if (!cpuMode && (sep !== '--' || !cmd)) {
  process.stderr.write('usage: node stages.mjs STAGES OUT -- COMMAND [ARGS...]\n');
  process.exit(2);
}
const stages = new Set(stagesArg.split(',').filter(Boolean));
const CHUNK = 256 * 1024;

class DigestStream extends Transform {
  bytes = 0;
  hash = createHash('sha256');
  _transform(chunk, _enc, done) {
    this.bytes += chunk.length;
    this.hash.update(chunk);
    done(null, chunk);
  }
}

// The same scanning as src/pipeline/copy-rows.ts.
const NL = 0x0a;
const COPY_HEADER = /^COPY (?:ONLY )?("(?:[^"]|"")+"|[^ ."]+)\.("(?:[^"]|"")+"|[^ ."(]+)/;
class CopyRowCounter extends Transform {
  tables = [];
  current = null;
  carry = Buffer.alloc(0);
  carryIsLong = false;
  _transform(chunk, _enc, done) {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(NL, start);
      if (nl === -1) break;
      this.line(chunk, start, nl);
      start = nl + 1;
    }
    if (start < chunk.length) {
      if (this.carry.length < 4096)
        this.carry = Buffer.concat([this.carry, chunk.subarray(start, start + 4096)]);
      else this.carryIsLong = true;
    }
    done(null, chunk);
  }
  line(chunk, start, end) {
    let head;
    if (this.carry.length > 0 || this.carryIsLong) {
      head = Buffer.concat([this.carry, chunk.subarray(start, Math.min(end, start + 4096))]);
      this.carry = Buffer.alloc(0);
      this.carryIsLong = false;
    } else head = chunk.subarray(start, Math.min(end, start + 4096));
    if (this.current) {
      if (head.length === 2 && head[0] === 0x5c && head[1] === 0x2e) this.current = null;
      else this.current.rows++;
      return;
    }
    if (head.length > 5 && head[0] === 0x43 && head.subarray(0, 5).toString() === 'COPY ') {
      const m = COPY_HEADER.exec(head.toString('utf8'));
      if (m) {
        this.current = { schema: m[1], name: m[2], rows: 0 };
        this.tables.push(this.current);
      }
    }
  }
}

class FileSink extends Writable {
  constructor(path) {
    super({ highWaterMark: 1024 * 1024 });
    this.path = path;
    this.fh = null;
  }
  _write(chunk, _enc, cb) {
    (async () => {
      this.fh ??= await open(`${this.path}.tmp`, 'w', 0o600);
      let written = 0;
      while (written < chunk.length)
        written += (await this.fh.write(chunk, written, chunk.length - written)).bytesWritten;
    })().then(() => cb(), cb);
  }
  _final(cb) {
    (async () => {
      this.fh ??= await open(`${this.path}.tmp`, 'w', 0o600);
      await this.fh.sync();
      await this.fh.close();
      await rename(`${this.path}.tmp`, this.path);
    })().then(() => cb(), cb);
  }
}

const cpu0 = process.cpuUsage();
const t0 = performance.now();
const child = cpuMode
  ? null
  : spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'], detached: true });
const exited = cpuMode
  ? Promise.resolve()
  : new Promise((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code) =>
        code === 0 ? resolve() : reject(new Error(`${cmd} exited with ${code}`)),
      );
    });
let source = cpuMode ? createReadStream(out, { highWaterMark: 64 * 1024 }) : child.stdout;
if (!stages.has('direct')) {
  const input = source;
  source = Readable.from(
    (async function* () {
      for await (const chunk of input) yield chunk;
      await exited;
    })(),
    { objectMode: false },
  );
}
const chain = [source];
if (stages.has('raw-sha')) chain.push(new DigestStream());
if (stages.has('rows')) chain.push(new CopyRowCounter());
if (stages.has('zstd')) chain.push(zlib.createZstdCompress({ chunkSize: CHUNK }));
if (stages.has('zstd1'))
  chain.push(
    zlib.createZstdCompress({
      chunkSize: CHUNK,
      params: { [zlib.constants.ZSTD_c_compressionLevel]: 1 },
    }),
  );
if (stages.has('gzip')) chain.push(zlib.createGzip({ level: 6, chunkSize: CHUNK }));
let compressorExited = Promise.resolve();
if (stages.has('zstd-bin')) {
  const z = spawn('zstd', ['-3', '-q', '-c'], { stdio: ['pipe', 'pipe', 'inherit'] });
  compressorExited = new Promise((resolve) => z.on('close', resolve));
  chain.push(Duplex.from({ writable: z.stdin, readable: z.stdout }));
}
if (stages.has('file-sha')) chain.push(new DigestStream());
let outBytes = 0;
chain.push(
  stages.has('write')
    ? new FileSink(cpuMode ? `${out}.out` : out)
    : new Writable({
        highWaterMark: 1024 * 1024,
        write(c, _e, cb) {
          outBytes += c.length;
          cb();
        },
      }),
);
await pipeline(chain);
await exited;
await compressorExited;
/** CPU seconds of the children this process has waited for (the zstd program), /proc/self/stat. */
function childrenCpu() {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
  return (Number(fields[13]) + Number(fields[14])) / 100; // cutime + cstime, in ticks of 10 ms
}

if (cpuMode) {
  const own = process.cpuUsage(cpu0);
  const c = { user: own.user + childrenCpu() * 1e6, system: own.system };
  if (stages.has('write')) rmSync(`${out}.out`, { force: true });
  process.stdout.write(
    `${JSON.stringify({ cpu: (c.user + c.system) / 1e6, wall: (performance.now() - t0) / 1000, out: outBytes })}\n`,
  );
}
