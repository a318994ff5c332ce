/**
 * The oldest Node the CLI runs on: 22.15 is the first with zlib zstd, which reads and writes the
 * default compression when the zstd program is absent. The action itself runs on node24.
 */
export const MIN_NODE = '22.15.0';

/** A message saying what to do when `version` (process.versions.node) is older, else null. */
export function nodeTooOld(version: string): string | null {
  const [major = 0, minor = 0] = version.replace(/^v/, '').split('.').map(Number);
  const [minMajor = 0, minMinor = 0] = MIN_NODE.split('.').map(Number);
  if (major > minMajor || (major === minMajor && minor >= minMinor)) return null;
  return (
    `supabase-backup needs Node ${MIN_NODE} or newer; this is Node ${version}. ` +
    'Install a current Node (24 is what the action runs on), e.g. from https://nodejs.org ' +
    'or with nvm (nvm install 24), then run the command again.\n'
  );
}
