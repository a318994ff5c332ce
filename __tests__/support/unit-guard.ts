/**
 * Setup file of the unit project: unit tests start no program but node and no server. A test
 * that tries fails at once and says where it belongs (__tests__/e2e or the e2e list in
 * vitest.config.ts), so `npm run test:unit` stays a seconds-long run that needs nothing installed.
 */
import childProcess from 'node:child_process';
import net from 'node:net';
import { basename } from 'node:path';
import { syncBuiltinESMExports } from 'node:module';

const refuse = (what: string): never => {
  throw new Error(
    `a unit test ${what}: move the test to __tests__/e2e/ (or list its file as e2e in vitest.config.ts)`,
  );
};
const isNode = (file: unknown) =>
  typeof file === 'string' && (file === process.execPath || basename(file) === 'node');

for (const name of ['spawn', 'spawnSync', 'execFile', 'execFileSync'] as const) {
  const original = childProcess[name] as (...args: unknown[]) => unknown;
  (childProcess as Record<string, unknown>)[name] = (file: unknown, ...rest: unknown[]) =>
    isNode(file) ? original(file, ...rest) : refuse(`started ${String(file)}`);
}
for (const name of ['exec', 'execSync'] as const) {
  (childProcess as Record<string, unknown>)[name] = (command: unknown) =>
    refuse(`ran a shell command (${String(command)})`);
}
net.Server.prototype.listen = function listen(): never {
  return refuse('started a server');
};
syncBuiltinESMExports();
