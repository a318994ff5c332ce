/**
 * restore --parts storage / functions,settings: what the handlers refuse before any endpoint or
 * API is reached (in-memory ports, real sets in a temp directory).
 */
import { describe, expect, it } from 'vitest';
import { restoreManagement } from '../../src/commands/restore-management.js';
import { restoreStorage, storageTarget } from '../../src/commands/restore-storage.js';
import { loadConfigFile } from '../../src/config/load.js';
import { configFile, memoryPorts, tmp, writeSet } from './memory.js';

const CONFIG = `version: 1
projects:
  - name: app
    db_url_secret: APP_DB_URL
    access_token_secret: APP_TOKEN
    storage:
      s3_endpoint: https://abc.supabase.co/storage/v1/s3
      access_key_id_secret: APP_S3_KEY
      secret_access_key_secret: APP_S3_SECRET
`;

const common = (dir: string) => ({
  from: { kind: 'path' as const, path: dir },
  yes: false,
  dryRun: true,
  identities: [],
});

describe('restore --parts functions,settings', () => {
  it('refuses database parts in the same run', async () => {
    const dir = await writeSet(tmp('out-'), 'app', '2026-11-22T03:00:05Z');
    await expect(
      restoreManagement(
        {
          ...common(dir),
          parts: ['functions', 'schema'],
          targetRef: 'a'.repeat(20),
        },
        memoryPorts(),
      ),
    ).rejects.toThrow(/in a run of their own/);
  });

  it('needs a 20-letter --target-ref and a config', async () => {
    const dir = await writeSet(tmp('out-'), 'app', '2026-11-22T03:00:05Z');
    await expect(
      restoreManagement(
        { ...common(dir), parts: ['functions'], targetRef: 'short' },
        memoryPorts(),
      ),
    ).rejects.toThrow(/needs --target-ref REF/);
    await expect(
      restoreManagement(
        { ...common(dir), parts: ['functions'], targetRef: 'a'.repeat(20) },
        memoryPorts(),
      ),
    ).rejects.toThrow(/needs --config FILE/);
  });

  it('refuses a part the set does not hold', async () => {
    const dir = await writeSet(tmp('out-'), 'app', '2026-11-22T03:00:05Z');
    const config = await loadConfigFile(configFile(CONFIG));
    await expect(
      restoreManagement(
        {
          ...common(dir),
          parts: ['settings'],
          targetRef: 'a'.repeat(20),
          config,
        },
        memoryPorts(),
      ),
    ).rejects.toThrow('--parts: the set has no settings part (it holds schema)');
  });
});

describe('restore --parts storage', () => {
  it('the target comes from the flags first, then the config', async () => {
    const config = await loadConfigFile(configFile(CONFIG));
    expect(storageTarget('app', config, {})).toMatchObject({
      s3_endpoint: 'https://abc.supabase.co/storage/v1/s3',
      access_key_id_secret: 'APP_S3_KEY',
    });
    expect(
      storageTarget('app', config, { endpoint: 'http://127.0.0.1:9', keyIdEnv: 'K' }),
    ).toMatchObject({ s3_endpoint: 'http://127.0.0.1:9', access_key_id_secret: 'K' });
    expect(() => storageTarget('app', undefined, {})).toThrow(/needs the target S3 endpoint/);
  });

  it('a set without a storage part is refused before any upload', async () => {
    const dir = await writeSet(tmp('out-'), 'app', '2026-11-22T03:00:05Z');
    const config = await loadConfigFile(configFile(CONFIG));
    await expect(
      restoreStorage({ ...common(dir), config, target: {}, overwrite: false }, memoryPorts()),
    ).rejects.toThrow('app/2026-11-22T030005Z has no storage part');
  });
});
