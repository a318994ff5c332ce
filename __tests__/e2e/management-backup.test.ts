/**
 * The functions and settings parts against the emulated Management API (every request and
 * answer checked against the published description): what a set holds, that a plain set holds
 * no secret value, that a 429 burst slows a run without failing it, that a token without access
 * fails with a message naming the variable (never the token), and a deploy racing the backup.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FunctionsDocument } from '../../src/management/functions.js';
import type { SettingsDocument } from '../../src/management/settings.js';
import { cli } from '../support/cli.js';
import {
  FUNCTION_SECRETS,
  SETTING_SECRETS,
  sampleFunctions,
} from '../support/management-fixture.js';
import { newProject, startManagementApi, type ManagementApi } from '../support/management-api.js';
import {
  OTHER_TOKEN,
  SOURCE_REF,
  TOKEN,
  allBytes,
  managementConfig,
  manifestOf,
  readJsonPart,
} from '../support/management-setup.js';

let api: ManagementApi;
const env = (extra: Record<string, string> = {}) => ({
  PATH: process.env.PATH,
  SUPABASE_ACCESS_TOKEN: TOKEN,
  ...extra,
});
const SECRETS = [...Object.values(SETTING_SECRETS), ...Object.values(FUNCTION_SECRETS), TOKEN];

beforeAll(async () => {
  api = await startManagementApi({
    tokens: { [TOKEN]: [SOURCE_REF], [OTHER_TOKEN]: ['someoneelsesprojectx'] },
    projects: [newProject(SOURCE_REF)],
  });
});
afterAll(() => api?.close());

async function backup(setup: { config: string; out: string }, e = env()) {
  return cli(['backup', '--config', setup.config, '--out', setup.out], e);
}

describe('functions and settings parts', () => {
  it('backs up every function file and settings section; a plain set holds no secret value', async () => {
    const setup = await managementConfig(api.url);
    const r = await backup(setup);
    expect(r.code, r.stderr).toBe(0);
    const dir = r.stdout.trim();
    const m = await manifestOf(dir);
    expect(m.parts.map((p) => p.part)).toEqual(['functions', 'settings']);
    expect(m.parts[0]!.file).toBe('functions.json.zst');

    const doc = await readJsonPart<FunctionsDocument>(dir, 'functions');
    const project = api.projects.get(SOURCE_REF)!;
    expect(doc.functions.map((f) => f.metadata.slug)).toEqual(['hello-world', 'stripe_webhook']);
    for (const f of doc.functions) {
      expect(f.source.form).toBe('files');
      if (f.source.form !== 'files') continue;
      const deployed = project.functions.get(f.metadata.slug)!;
      const stored = Object.fromEntries(
        f.source.files.map((x) => [x.name, Buffer.from(x.content, 'base64')]),
      );
      expect(stored).toEqual(deployed.files);
      const listed = m.parts[0]!.functions!.functions.find((x) => x.slug === f.metadata.slug)!;
      expect(listed).toMatchObject({
        version: deployed.version,
        sha256: f.sha256,
        files: Object.keys(deployed.files).length,
      });
    }

    const settings = await readJsonPart<SettingsDocument>(dir, 'settings');
    expect(Object.keys(settings.sections).sort()).toEqual([
      'auth',
      'custom_hostname',
      'network_restrictions',
      'pooler',
      'postgrest',
      'realtime',
      'ssl_enforcement',
      'storage',
    ]);
    expect((settings.sections.postgrest as { max_rows: number }).max_rows).toBe(500);
    expect(settings.secrets.map((s) => s.name)).toEqual(['OPENAI_KEY', 'STRIPE_KEY']);
    expect(settings.secrets[1]!.digest).toBe(
      createHash('sha256').update(FUNCTION_SECRETS.STRIPE_KEY).digest('hex'),
    );
    const auth = m.parts[1]!.settings!.sections.find((s) => s.section === 'auth')!;
    expect(auth.withheld).toEqual(
      expect.arrayContaining([
        'smtp_pass',
        'external_google_secret',
        'hook_custom_access_token_secrets',
        'sms_twilio_auth_token',
      ]),
    );
    expect(m.warnings.join('\n')).toMatch(/not encrypted.*secret value/);
    expect(r.stderr).toMatch(/not encrypted/);

    // Nothing secret in the set (its plain form included), the log or the answers.
    const bytes = Buffer.concat([
      await allBytes(dir),
      Buffer.from(JSON.stringify(settings)),
      Buffer.from(r.stdout + r.stderr),
    ]);
    for (const s of SECRETS) expect(bytes.includes(s), s).toBe(false);

    expect(m.coverage?.find((c) => c.surface === 'edge functions')).toMatchObject({
      state: 'backed-up',
    });
    expect(m.coverage?.find((c) => c.surface === 'function secret values')).toMatchObject({
      state: 'not-exportable',
    });
    expect(m.coverage?.find((c) => c.surface.startsWith('auth settings'))).toMatchObject({
      state: 'partial',
    });
    const verified = await cli(['verify', '--from', dir], env());
    expect(verified.code, verified.stderr + verified.stdout).toBe(0);
    const drilled = await cli(['verify', '--drill', '--from', dir, '--json'], env());
    expect(drilled.code, drilled.stderr).toBe(0);
    expect(drilled.stderr + drilled.stdout).toMatch(
      /drill: 8 settings section\(s\) read back identical/,
    );
    expect(api.violations).toEqual([]);
  });

  it('reads the project ref from a pooler connection URL when ref: is not set', async () => {
    const setup = await managementConfig(api.url, { ref: null, parts: 'functions' });
    const url = `postgresql://postgres.${SOURCE_REF}:pw@aws-0-eu-central-1.pooler.supabase.com:6543/postgres`;
    const r = await backup(setup, env({ APP_DB_URL: url }));
    expect(r.code, r.stderr).toBe(0);
    expect((await manifestOf(r.stdout.trim())).parts[0]!.functions!.ref).toBe(SOURCE_REF);
    expect(api.violations).toEqual([]);
  });

  it('waits out a burst of 429s and completes', async () => {
    const setup = await managementConfig(api.url, { parts: 'functions' });
    const before = api.requests.length;
    api.throttleNext(4, 1);
    const t0 = Date.now();
    const r = await backup(setup);
    expect(r.code, r.stderr).toBe(0);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(3500);
    expect(r.stdout + r.stderr).toMatch(/rate limit was reached 4 times/);
    // 4 refused, then the list, 2 x (body + metadata).
    expect(api.requests.length - before).toBe(4 + 1 + 4);
    expect(api.violations).toEqual([]);
  });

  it('fails with a message naming the variable when the token has no access (403), never the token', async () => {
    const setup = await managementConfig(api.url, { parts: 'functions' });
    const r = await backup(setup, env({ SUPABASE_ACCESS_TOKEN: OTHER_TOKEN }));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /answered 403.*SUPABASE_ACCESS_TOKEN \(access_token_secret\) has no access/,
    );
    expect(r.stdout + r.stderr).not.toContain(OTHER_TOKEN);
  });

  it('reads a function again when it is deployed while the backup reads it', async () => {
    const project = api.projects.get(SOURCE_REF)!;
    const changed = sampleFunctions()[0]!;
    changed.files['source/greet.ts'] = Buffer.from(
      'export const greet = () => "deployed mid-backup";\n',
    );
    let raced = false;
    api.afterBody = (p, slug) => {
      if (slug === 'hello-world' && !raced) {
        raced = true;
        api.deploy(p, changed);
      }
    };
    try {
      const setup = await managementConfig(api.url, { parts: 'functions' });
      const r = await backup(setup);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout + r.stderr).toMatch(/hello-world was deployed while it was read/);
      const doc = await readJsonPart<FunctionsDocument>(r.stdout.trim(), 'functions');
      const hello = doc.functions.find((f) => f.metadata.slug === 'hello-world')!;
      expect(hello.metadata.version).toBe(project.functions.get('hello-world')!.version);
      if (hello.source.form !== 'files') throw new Error('expected files');
      const greet = hello.source.files.find((f) => f.name === 'source/greet.ts')!;
      expect(Buffer.from(greet.content, 'base64').toString()).toContain('deployed mid-backup');
    } finally {
      api.afterBody = undefined;
    }
    expect(api.violations).toEqual([]);
  });

  it('keeps the eszip bundle when the multipart form is refused, and says the coverage is partial', async () => {
    api.refuseMultipart = true;
    try {
      const setup = await managementConfig(api.url, { parts: 'functions' });
      const r = await backup(setup);
      expect(r.code, r.stderr).toBe(0);
      const dir = r.stdout.trim();
      const doc = await readJsonPart<FunctionsDocument>(dir, 'functions');
      const hello = doc.functions.find((f) => f.metadata.slug === 'hello-world')!;
      expect(hello.source.form).toBe('eszip');
      if (hello.source.form !== 'eszip') return;
      expect(Buffer.from(hello.source.content, 'base64').subarray(0, 8).toString()).toBe(
        'ESZIP2.3',
      );
      const m = await manifestOf(dir);
      expect(m.coverage?.find((c) => c.surface === 'edge functions')).toMatchObject({
        state: 'partial',
        note: expect.stringMatching(/2 kept only as an eszip bundle/) as unknown,
      });
    } finally {
      api.refuseMultipart = false;
    }
    expect(api.violations).toEqual([]);
  });
});
