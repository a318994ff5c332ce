/**
 * Restoring Edge Functions and settings into a second emulated project, as a new user would:
 * the plan without --yes (exit 2, nothing changed), --dry-run reading the target only and
 * showing the settings as a diff, then the restore: every function's files byte for byte
 * through the deploy endpoint, every section applied and read back, secrets listed by name and
 * digest. An encrypted set carries the secret settings values; a drill reads both parts back.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../support/cli.js';
import { FUNCTION_SECRETS, SETTING_SECRETS } from '../support/management-fixture.js';
import { newProject, startManagementApi, type ManagementApi } from '../support/management-api.js';
import { SOURCE_REF, TARGET_REF, TOKEN, managementConfig } from '../support/management-setup.js';

const exec = promisify(execFile);
let api: ManagementApi;
const env = (extra: Record<string, string> = {}) => ({
  PATH: process.env.PATH,
  SUPABASE_ACCESS_TOKEN: TOKEN,
  ...extra,
});
const writes = () => api.requests.filter((r) => !r.startsWith('GET '));

beforeAll(async () => {
  api = await startManagementApi({
    tokens: { [TOKEN]: [SOURCE_REF, TARGET_REF] },
    projects: [newProject(SOURCE_REF), newProject(TARGET_REF, { empty: true })],
  });
});
afterAll(() => api?.close());

describe('restore --parts functions,settings', () => {
  it('plans, diffs, then restores every file byte for byte and every section into another project', async () => {
    const setup = await managementConfig(api.url);
    const made = await cli(['backup', '--config', setup.config, '--out', setup.out], env());
    expect(made.code, made.stderr).toBe(0);
    const from = made.stdout.trim();
    const base = [
      'restore',
      '--from',
      from,
      '--parts',
      'functions,settings',
      '--target-ref',
      TARGET_REF,
      '--config',
      setup.config,
    ];
    const source = api.projects.get(SOURCE_REF)!;
    const target = api.projects.get(TARGET_REF)!;

    const before = writes().length;
    const refused = await cli(base, env());
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/run again with --yes/);
    const dry = await cli(
      [
        'restore',
        '--from',
        from,
        '--parts',
        'settings',
        '--target-ref',
        TARGET_REF,
        '--config',
        setup.config,
        '--dry-run',
      ],
      env(),
    );
    expect(dry.code, dry.stderr).toBe(0);
    const plan = dry.stdout + dry.stderr;
    expect(plan).toMatch(/postgrest: PATCH \d+ change\(s\)\n(.*\n)*\s+max_rows: 1000 -> 500/);
    expect(plan).toMatch(/site_url: .* -> "https:\/\/app.example.com"/);
    expect(plan).toMatch(/smtp_pass: \(secret, withheld in this plain set: left unchanged\)/);
    expect(plan).toMatch(
      /STRIPE_KEY {2}sha256 [0-9a-f]{64} {2}\(missing in targetprojectrefbbbb\)/,
    );
    expect(plan).toMatch(/custom_hostname: not applied/);
    expect(writes().length).toBe(before);
    expect(target.functions.size).toBe(0);

    const done = await cli([...base, '--yes'], env());
    expect(done.code, done.stderr).toBe(0);
    expect(done.stdout + done.stderr).toMatch(/2 function\(s\) read back identical/);
    for (const [slug, fn] of source.functions) {
      const restored = target.functions.get(slug)!;
      expect(restored.files).toEqual(fn.files);
      expect(restored.import_map_path).toBe(fn.import_map_path);
      expect(restored).toMatchObject({
        entrypoint_path: fn.entrypoint_path,
        verify_jwt: fn.verify_jwt,
        name: fn.name,
      });
    }
    const s = target.settings as Record<string, Record<string, unknown>>;
    expect(s.postgrest!.max_rows).toBe(500);
    expect(s.auth!.site_url).toBe('https://app.example.com');
    expect(s.auth!.smtp_pass).not.toBe(SETTING_SECRETS.smtp_pass);
    expect((s.network_restrictions!.config as { dbAllowedCidrs: string[] }).dbAllowedCidrs).toEqual(
      ['10.0.0.0/8', '203.0.113.7/32'],
    );
    expect(done.stdout + done.stderr).toMatch(/2 function secret\(s\) must be set by hand/);
    for (const v of [...Object.values(SETTING_SECRETS), ...Object.values(FUNCTION_SECRETS), TOKEN])
      expect(done.stdout + done.stderr + plan).not.toContain(v);
    expect(api.violations).toEqual([]);
  });

  it('an encrypted set keeps the secret settings values, restores them, and drills both parts', async () => {
    const dir = (await managementConfig(api.url)).dir;
    const key = join(dir, 'key.txt');
    await exec('age-keygen', ['-o', key]);
    const recipient = (await exec('age-keygen', ['-y', key])).stdout.trim();
    const setup = await managementConfig(api.url, { encryption: recipient });
    const made = await cli(
      ['backup', '--config', setup.config, '--out', setup.out, '--drill', '--identity-file', key],
      env(),
    );
    expect(made.code, made.stderr).toBe(0);
    expect(made.stdout + made.stderr).toMatch(
      /drill: 2 function\(s\), 7 file\(s\) read back identical/,
    );
    expect(made.stdout + made.stderr).not.toMatch(/not encrypted/);
    const from = made.stdout.trim().split('\n').pop()!;
    const r = await cli(
      [
        'restore',
        '--from',
        from,
        '--parts',
        'settings',
        '--target-ref',
        TARGET_REF,
        '--config',
        setup.config,
        '--identity-file',
        key,
        '--yes',
      ],
      env(),
    );
    expect(r.code, r.stderr).toBe(0);
    const auth = api.projects.get(TARGET_REF)!.settings.auth as Record<string, unknown>;
    expect(auth.smtp_pass).toBe(SETTING_SECRETS.smtp_pass);
    expect(r.stdout + r.stderr).toMatch(/smtp_pass: \(secret value: set from the encrypted set\)/);
    for (const v of Object.values(SETTING_SECRETS))
      expect(r.stdout + r.stderr + made.stdout + made.stderr).not.toContain(v);
    expect(api.violations).toEqual([]);
  });

  it('refuses, before touching anything, a run mixing database parts, or without --target-ref or --config', async () => {
    const setup = await managementConfig(api.url, { parts: 'functions' });
    const made = await cli(['backup', '--config', setup.config, '--out', setup.out], env());
    const from = made.stdout.trim();
    const before = api.requests.length;
    const mixed = await cli(
      [
        'restore',
        '--from',
        from,
        '--parts',
        'data,functions',
        '--target-ref',
        TARGET_REF,
        '--config',
        setup.config,
        '--yes',
      ],
      env(),
    );
    expect(mixed.code).toBe(2);
    expect(mixed.stderr).toMatch(/in a run of their own/);
    const noRef = await cli(
      ['restore', '--from', from, '--parts', 'functions', '--config', setup.config, '--yes'],
      env(),
    );
    expect(noRef.stderr).toMatch(/needs --target-ref REF/);
    const noConfig = await cli(
      ['restore', '--from', from, '--parts', 'functions', '--target-ref', TARGET_REF, '--yes'],
      env(),
    );
    expect(noConfig.stderr).toMatch(/needs --config FILE/);
    const notInSet = await cli(
      [
        'restore',
        '--from',
        from,
        '--parts',
        'settings',
        '--target-ref',
        TARGET_REF,
        '--config',
        setup.config,
        '--yes',
      ],
      env(),
    );
    expect(notInSet.stderr).toMatch(/the set has no settings part/);
    const dbOnly = await cli(
      ['restore', '--from', from, '--target-url', 'postgresql://u@localhost/db', '--dry-run'],
      env(),
    );
    expect(dbOnly.stderr).toMatch(/holds no database part \(functions\)/);
    expect(api.requests.length).toBe(before);
  });

  it('puts a function kept only as its eszip bundle back as that bundle, and reads it back', async () => {
    const setup = await managementConfig(api.url, { parts: 'functions' });
    api.refuseMultipart = true;
    let from = '';
    try {
      const made = await cli(['backup', '--config', setup.config, '--out', setup.out], env());
      expect(made.code, made.stderr).toBe(0);
      from = made.stdout.trim();
      const base = [
        'restore',
        '--from',
        from,
        '--parts',
        'functions',
        '--target-ref',
        TARGET_REF,
        '--config',
        setup.config,
      ];
      // One function new in the target (created), one there already (updated in place).
      api.projects.get(TARGET_REF)!.functions.delete('stripe_webhook');
      const r = await cli([...base, '--yes'], env());
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout + r.stderr).toMatch(/deployed hello-world \(eszip bundle\)/);
      expect(api.requests).toContain(
        `POST /v1/projects/${TARGET_REF}/functions?slug=stripe_webhook&name=Stripe+webhook&verify_jwt=false&entrypoint_path=source%2Findex.ts`,
      );
      expect(r.stdout + r.stderr).toMatch(/2 function\(s\) read back identical/);
    } finally {
      api.refuseMultipart = false;
    }
    const source = api.projects.get(SOURCE_REF)!.functions.get('stripe_webhook')!;
    const restored = api.projects.get(TARGET_REF)!.functions.get('stripe_webhook')!;
    expect(restored.eszip).toEqual(
      Buffer.concat([Buffer.from('ESZIP2.3'), ...Object.values(source.files)]),
    );
    expect(restored).toMatchObject({ verify_jwt: false, name: 'Stripe webhook' });
    expect(api.violations).toEqual([]);
  });
});
