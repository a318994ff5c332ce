/** Which Supabase CLI release asset runs on this machine. Pure: the caller passes the platform. */
import { ToolError } from '../errors.js';

const OS_NAMES: Partial<Record<string, string>> = { linux: 'linux', darwin: 'darwin' };
const ARCH_NAMES: Partial<Record<string, string>> = { x64: 'amd64', arm64: 'arm64' };

/**
 * The release asset name for a Node `process.platform` and `process.arch`,
 * e.g. linux/x64 -> `supabase_linux_amd64.tar.gz`.
 */
export function releaseAsset(platform: string, arch: string): string {
  if (platform === 'win32') {
    throw new ToolError(
      'Windows is not supported by supabase-backup: run it on Linux or macOS ' +
        '(in GitHub Actions, `runs-on: ubuntu-latest`).',
    );
  }
  const os = OS_NAMES[platform];
  if (os === undefined) {
    throw new ToolError(
      `The Supabase CLI has no release for the ${platform} platform: run supabase-backup on ` +
        'Linux or macOS, or install the CLI yourself and set SUPABASE_CLI_PATH to it.',
    );
  }
  const cpu = ARCH_NAMES[arch];
  if (cpu === undefined) {
    throw new ToolError(
      `The Supabase CLI has no release for ${platform}/${arch} (only x64 and arm64): run on one ` +
        'of those, or install the CLI yourself and set SUPABASE_CLI_PATH to it.',
    );
  }
  return `supabase_${os}_${cpu}.tar.gz`;
}
