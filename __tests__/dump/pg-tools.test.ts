import { existsSync, realpathSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  choosePgTools,
  findPgInstallations,
  parseServerMajor,
  type PgTools,
} from '../../src/dump/pg-tools.js';
import { ToolError } from '../../src/errors.js';
import { streamLogger } from '../../src/log.js';
import { childEnv, run } from '../../src/proc/run.js';
import { pgMajorBinDir } from '../support/pg-majors.js';
import { startCluster, type Cluster } from '../support/pg-cluster.js';

const PG15 = '/usr/lib/postgresql/15/bin';
const hasPg15 = existsSync(join(PG15, 'pg_dump'));
const hasPgWrapper = existsSync('/usr/share/postgresql-common/pg_wrapper');

function tools(version: string, binDir = `/opt/pg/${version}/bin`): PgTools {
  return {
    major: Number(version.split('.')[0]),
    version,
    binDir,
    pg_dump: join(binDir, 'pg_dump'),
    pg_dumpall: join(binDir, 'pg_dumpall'),
    psql: join(binDir, 'psql'),
  };
}

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a throw');
}

describe('parseServerMajor', () => {
  it.each([
    ['150018', 15],
    ['170002', 17],
    ['100023', 10],
    ['90624', 9],
    [' 160004\n', 16],
    ['17', 17],
    ['17.2 (Debian 17.2-1.pgdg120+1)', 17],
    ['15.8', 15],
    ['16beta1', 16],
    ['18devel', 18],
    ['PostgreSQL 15.8 on x86_64-pc-linux-gnu', 15],
  ])('%j -> %i', (input, major) => {
    expect(parseServerMajor(input)).toBe(major);
  });
  it.each(['', 'abc', 'version 15', '0'])('%j is refused with a ToolError', (input) => {
    expect(() => parseServerMajor(input)).toThrow(ToolError);
  });
});

describe('choosePgTools', () => {
  const found = [tools('17.2'), tools('16.4'), tools('15.8')];
  it('prefers the exact major', () => {
    expect(choosePgTools(found, 16).version).toBe('16.4');
    expect(choosePgTools([tools('16.9'), tools('16.4')], 16).version).toBe('16.9');
  });
  it('else takes the lowest newer major', () => {
    expect(choosePgTools(found, 14).version).toBe('15.8');
    expect(choosePgTools([tools('18.1'), tools('17.2')], 16).version).toBe('17.2');
  });
  it('takes the tools of pg-bin-dir when they can dump the server, never an older one', () => {
    const given = { ...tools('18.1'), given: true as const };
    expect(choosePgTools([given, ...found], 15)).toBe(given);
    expect(choosePgTools([given, ...found], 18)).toBe(given);
    const old = { ...tools('15.8'), given: true as const };
    expect(choosePgTools([tools('17.2'), old], 17).version).toBe('17.2');
  });
  it('never takes an older pg_dump, and says what was found and how to install the right one', () => {
    const err = thrown(() => choosePgTools(found, 18));
    expect(err).toBeInstanceOf(ToolError);
    expect(err.message).toContain('PostgreSQL 18');
    for (const t of found) expect(err.message).toContain(`PostgreSQL ${t.version} in ${t.binDir}`);
    expect(err.message).toContain(
      'sudo apt-get install -y postgresql-common && sudo /usr/share/postgresql-common/pgdg/apt.postgresql.org.sh -y && sudo apt-get install -y postgresql-client-18',
    );
    expect(err.message).toContain('brew install postgresql@18');
    expect(err.message).toContain('pg-bin-dir input (CLI: --pg-bin-dir DIR)');
  });
  it('says when nothing at all was found', () => {
    expect(thrown(() => choosePgTools([], 15)).message).toMatch(
      /No PostgreSQL client tools .* found[\s\S]*postgresql-client-15/,
    );
  });
});

describe('findPgInstallations', () => {
  let work: string;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'pg-tools-test-'));
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it.runIf(hasPg15)('finds the PostgreSQL 15 client tools installed here, once', async () => {
    const found = await findPgInstallations();
    const pg15 = found.filter((t) => t.binDir === PG15);
    expect(pg15).toHaveLength(1);
    expect(pg15[0]).toMatchObject({
      major: 15,
      pg_dump: join(PG15, 'pg_dump'),
      pg_dumpall: join(PG15, 'pg_dumpall'),
      psql: join(PG15, 'psql'),
    });
    expect(pg15[0]?.version).toMatch(/^15\.\d+$/);
    expect(choosePgTools(found, 15).binDir).toBe(PG15);
  });

  it.runIf(hasPg15 && hasPgWrapper)(
    "skips Debian's pg_wrapper on PATH and reports the real dir it dispatches to",
    async () => {
      // /usr/bin/pg_dump is a perl script that runs the newest installed client...
      expect(realpathSync('/usr/bin/pg_dump')).toBe('/usr/share/postgresql-common/pg_wrapper');
      const viaWrapper = await run('/usr/bin/pg_dump', ['--version'], {
        env: childEnv(process.env, [], {}),
      });
      expect(viaWrapper.stdout).toMatch(/\(PostgreSQL\) \d+/);
      // ...so it is not an installation of its own: only the real dirs are listed.
      const lines: string[] = [];
      const logger = streamLogger((l) => lines.push(l), { debug: true });
      const found = await findPgInstallations({
        pathEnv: '/usr/bin',
        extraDirs: ['/usr/bin'],
        logger,
      });
      expect(found.map((t) => t.binDir)).not.toContain('/usr/bin');
      expect(found.map((t) => t.binDir)).not.toContain('/usr/share/postgresql-common');
      expect(found.filter((t) => t.binDir === PG15)).toHaveLength(1);
      expect(lines.join('')).toMatch(/pg_wrapper/);
    },
  );

  it.runIf(hasPg15)(
    'deduplicates by real path: a dir of symlinks is the dir they point into',
    async () => {
      const links = join(work, 'links');
      await mkdir(links);
      for (const tool of ['pg_dump', 'pg_dumpall', 'psql'])
        await symlink(join(PG15, tool), join(links, tool));
      const found = await findPgInstallations({ extraDirs: [links, PG15], pathEnv: links });
      expect(found.filter((t) => t.binDir === PG15)).toHaveLength(1);
      expect(found.map((t) => t.binDir)).not.toContain(links);
      expect(found.find((t) => t.binDir === PG15)?.given).toBe(true);
    },
  );

  it('takes extra dirs, needs all three tools, and sorts newest first', async () => {
    const fake = join(work, 'pg99');
    const partial = join(work, 'partial');
    await mkdir(fake);
    await mkdir(partial);
    const script = '#!/bin/sh\necho "$(basename "$0") (PostgreSQL) 99.1"\n';
    for (const tool of ['pg_dump', 'pg_dumpall', 'psql']) {
      await writeFile(join(fake, tool), script);
      await chmod(join(fake, tool), 0o755);
    }
    await writeFile(join(partial, 'pg_dump'), script);
    await chmod(join(partial, 'pg_dump'), 0o755);
    const lines: string[] = [];
    const logger = streamLogger((l) => lines.push(l));
    const found = await findPgInstallations({ extraDirs: [partial, fake], pathEnv: '', logger });
    expect(found[0]).toEqual({
      major: 99,
      version: '99.1',
      binDir: fake,
      pg_dump: join(fake, 'pg_dump'),
      pg_dumpall: join(fake, 'pg_dumpall'),
      psql: join(fake, 'psql'),
      given: true,
    });
    expect(found.map((t) => t.binDir)).not.toContain(partial);
    expect(lines.join('')).toContain(
      `warning: ${partial} does not hold pg_dump, pg_dumpall and psql`,
    );
    const majors = found.map((t) => t.major);
    expect(majors).toEqual([...majors].sort((a, b) => b - a));
    expect(choosePgTools(found, 20).binDir).toBe(fake);
  });
});

describe.runIf(hasPg15 && process.platform === 'linux' && process.arch === 'x64')(
  'against a real PostgreSQL 17 server',
  () => {
    let cluster: Cluster;
    beforeAll(async () => {
      cluster = await startCluster({ binDir: pgMajorBinDir(17), password: 'pw-for-17' });
    });
    afterAll(async () => {
      await cluster?.stop();
    });

    it('psql 15 reads its version; only pg_dump 17+ may dump it', async () => {
      const env = childEnv(process.env, [], { PGPASSWORD: 'pw-for-17' });
      const conn = [
        '-h',
        cluster.host,
        '-p',
        String(cluster.port),
        '-U',
        'postgres',
        '-d',
        'postgres',
      ];
      const { stdout } = await run(
        join(PG15, 'psql'),
        [...conn, '-XAtc', 'SHOW server_version_num'],
        {
          env,
        },
      );
      expect(stdout.trim()).toMatch(/^17\d{4}$/);
      const serverMajor = parseServerMajor(stdout);
      expect(serverMajor).toBe(17);

      // Why the rule exists: pg_dump 15 refuses a 17 server.
      await expect(run(join(PG15, 'pg_dump'), [...conn, '--schema-only'], { env })).rejects.toThrow(
        /server version mismatch/,
      );

      const found = await findPgInstallations();
      if (found.some((t) => t.major >= 17)) {
        // A machine with a newer client installed: it is picked instead.
        expect(choosePgTools(found, serverMajor).major).toBeGreaterThanOrEqual(17);
        return;
      }
      const err = thrown(() => choosePgTools(found, serverMajor));
      expect(err).toBeInstanceOf(ToolError);
      expect(err.message).toMatch(/PostgreSQL 15\.\d+ in \/usr\/lib\/postgresql\/15\/bin/);
      expect(err.message).toContain('postgresql-client-17');
      expect(err.message).toContain('brew install postgresql@17');
    });
  },
);
