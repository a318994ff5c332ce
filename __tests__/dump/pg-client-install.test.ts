import { describe, expect, it } from 'vitest';
import { pgClientInstallCommands, pgClientInstaller } from '../../src/dump/pg-client-install.js';
import { ToolError } from '../../src/errors.js';
import { streamLogger } from '../../src/log.js';

const UBUNTU = 'NAME="Ubuntu"\nVERSION_ID="26.04"\nID=ubuntu\nID_LIKE=debian\n';
const MINT = 'ID=linuxmint\nID_LIKE="ubuntu debian"\n';
const FEDORA = 'NAME="Fedora Linux"\nID=fedora\n';

/** An installer whose commands are recorded; `fail` makes the command starting with it fail. */
function recorded(osRelease: string, isRoot = false, fail?: string) {
  const calls: string[][] = [];
  const lines: string[] = [];
  const install = pgClientInstaller({
    osRelease,
    isRoot,
    logger: streamLogger((l) => lines.push(l)),
    run: async (command, args) => {
      calls.push([command, ...args]);
      await new Promise((r) => setTimeout(r, 1));
      if (fail && [command, ...args].join(' ').includes(fail)) throw new Error('E: boom');
    },
  });
  return { install, calls, lines };
}

describe('install-pg-client', () => {
  it('on an Ubuntu runner: the PGDG repository, then the server major’s client, with sudo', async () => {
    const { install, calls, lines } = recorded(UBUNTU);
    await install(17);
    expect(calls).toEqual([
      ['sudo', 'apt-get', 'install', '-y', '-qq', 'postgresql-common'],
      ['sudo', '/usr/share/postgresql-common/pgdg/apt.postgresql.org.sh', '-y'],
      ['sudo', 'apt-get', 'install', '-y', '-qq', 'postgresql-client-17'],
    ]);
    expect(lines.join('')).toMatch(/installing postgresql-client-17 .*install-pg-client: false/);
  });

  it('as root without sudo, and on Debian derivatives', async () => {
    const { install, calls } = recorded(MINT, true);
    await install(18);
    expect(calls.map((c) => c[0])).toEqual([
      'apt-get',
      '/usr/share/postgresql-common/pgdg/apt.postgresql.org.sh',
      'apt-get',
    ]);
    expect(calls[2]).toContain('postgresql-client-18');
  });

  it('installs a major once, however many projects ask at the same time', async () => {
    const { install, calls } = recorded(UBUNTU);
    await Promise.all([install(17), install(17), install(17)]);
    expect(calls).toHaveLength(3);
    await install(18);
    expect(calls).toHaveLength(6);
  });

  it('a failed command stops the install with what failed and what to do instead', async () => {
    const { install, calls } = recorded(UBUNTU, false, 'postgresql-client-17');
    const err = await install(17).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err).toBeInstanceOf(ToolError);
    expect(err?.message).toMatch(
      /postgresql-client-17 failed at `sudo apt-get install .*`: .*E: boom/,
    );
    expect(err?.message).toMatch(/pg-bin-dir/);
    expect(calls).toHaveLength(3);
  });

  it('runs nothing where it cannot install', () => {
    expect(() => pgClientInstallCommands(17, FEDORA, false)).toThrow(
      /only on Debian and Ubuntu.*fedora/,
    );
    expect(() => pgClientInstallCommands(17, '', false)).toThrow(ToolError);
    expect(() => pgClientInstallCommands(Number.NaN, UBUNTU, false)).toThrow(ToolError);
  });
});
