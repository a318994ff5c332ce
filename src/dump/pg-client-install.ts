/**
 * The action's fallback when the runner's pg_dump is older than the server: install the
 * matching PostgreSQL client from the PostgreSQL project's apt repository (PGDG), as the error
 * message tells a CLI user to. Only on Debian and Ubuntu (GitHub's runners), with sudo unless
 * root; the commands run through an injected runner, so tests record them and nothing else.
 */
import { ToolError, errorMessage } from '../errors.js';
import type { Logger } from '../log.js';

/** Runs one command (argv form, never a shell); rejects when it fails. */
export type CommandRunner = (command: string, args: string[]) => Promise<void>;

export interface InstallerContext {
  run: CommandRunner;
  /** The text of /etc/os-release ('' when there is none). */
  osRelease: string;
  isRoot: boolean;
  logger: Logger;
}

/** KEY=value or KEY="value" lines of os-release. */
function osReleaseField(text: string, key: string): string {
  const m = new RegExp(`^${key}=(?:"([^"]*)"|'([^']*)'|(\\S*))`, 'm').exec(text);
  return (m?.[1] ?? m?.[2] ?? m?.[3] ?? '').toLowerCase();
}

/** The commands that install PostgreSQL `major`'s client tools here; throws where it cannot. */
export function pgClientInstallCommands(
  major: number,
  osRelease: string,
  isRoot: boolean,
): string[][] {
  if (!Number.isInteger(major) || major < 10 || major > 99) {
    throw new ToolError(`cannot install a PostgreSQL client for major version ${major}`);
  }
  const ids = [osReleaseField(osRelease, 'ID'), ...osReleaseField(osRelease, 'ID_LIKE').split(' ')];
  if (!ids.some((id) => id === 'debian' || id === 'ubuntu')) {
    throw new ToolError(
      `installing the PostgreSQL ${major} client is done only on Debian and Ubuntu runners ` +
        `(this is ${osReleaseField(osRelease, 'ID') || 'an unknown system'})`,
    );
  }
  const sudo = isRoot ? [] : ['sudo'];
  return [
    [...sudo, 'apt-get', 'install', '-y', '-qq', 'postgresql-common'],
    // Adds the PGDG repository for this release and runs apt-get update.
    [...sudo, '/usr/share/postgresql-common/pgdg/apt.postgresql.org.sh', '-y'],
    [...sudo, 'apt-get', 'install', '-y', '-qq', `postgresql-client-${major}`],
  ];
}

/**
 * An installer for preflight: installs a major once per run (projects that run at the same time
 * and need the same major wait for one install). A failed install is a ToolError that says what
 * failed and what to do instead.
 */
export function pgClientInstaller(ctx: InstallerContext): (major: number) => Promise<void> {
  const installs = new Map<number, Promise<void>>();
  return (major) => {
    let install = installs.get(major);
    if (!install) {
      install = (async () => {
        const commands = pgClientInstallCommands(major, ctx.osRelease, ctx.isRoot);
        ctx.logger.info(
          `pg_dump here is older than the server's PostgreSQL ${major}: installing ` +
            `postgresql-client-${major} from the PostgreSQL apt repository (install-pg-client: false turns this off)`,
        );
        for (const [command, ...args] of commands) {
          try {
            await ctx.run(command!, args);
          } catch (err) {
            throw new ToolError(
              `installing postgresql-client-${major} failed at \`${[command, ...args].join(' ')}\`: ` +
                `${errorMessage(err)}\nInstall it in an earlier step, or point pg-bin-dir at ` +
                `pg_dump, pg_dumpall and psql ${major} or newer.`,
            );
          }
        }
      })();
      installs.set(major, install);
    }
    return install;
  };
}
