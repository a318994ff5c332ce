import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/errors.js';

function problems(text: string): string[] {
  try {
    parseConfig(text, 'cfg.yaml');
  } catch (err) {
    if (err instanceof ConfigError)
      return err.issues.map((i) => `${i.line}:${i.column} ${i.path}: ${i.message}`);
    throw err;
  }
  throw new Error('expected a ConfigError');
}
const project = (lines: string[]) =>
  ['version: 1', 'projects:', '  - name: a', '    db_url_secret: A', ...lines].join('\n');

describe('s3: settings', () => {
  it('merges defaults and projects, with the built-in prefix and flags', () => {
    const config = parseConfig(
      [
        'version: 1',
        'defaults:',
        '  destinations: [s3, artifact]',
        '  s3:',
        '    bucket: my-backups',
        '    endpoint: https://acct.r2.cloudflarestorage.com',
        '    region: auto',
        '    access_key_id_secret: R2_KEY_ID',
        '    secret_access_key_secret: R2_SECRET',
        'projects:',
        '  - name: a',
        '    db_url_secret: A',
        '  - name: b',
        '    db_url_secret: B',
        '    s3:',
        '      bucket: other-bucket',
        '      prefix: ""',
        '      object_lock: {mode: compliance, retain_days: 30}',
        '      write_only: true',
      ].join('\n'),
      'cfg.yaml',
    );
    const [a, b] = config.projects;
    expect(a!.destinations).toEqual(['artifact', 's3']);
    expect(a!.s3).toEqual({
      bucket: 'my-backups',
      prefix: 'supabase-backups',
      endpoint: 'https://acct.r2.cloudflarestorage.com',
      region: 'auto',
      force_path_style: false,
      access_key_id_secret: 'R2_KEY_ID',
      secret_access_key_secret: 'R2_SECRET',
      write_only: false,
    });
    // A project's s3: replaces the defaults' as a whole (no key-by-key merge).
    expect(b!.s3).toEqual({
      bucket: 'other-bucket',
      prefix: '',
      force_path_style: false,
      object_lock: { mode: 'compliance', retain_days: 30 },
      write_only: true,
    });
  });

  it('needs s3: for the s3 destination', () => {
    expect(problems(project(['    destinations: [s3]']))).toEqual([
      '3:11 projects[0].name: the s3 destination needs an s3: mapping (at least bucket) in the project or in defaults; see docs/s3.md',
    ]);
  });

  it('says what is wrong with each key, never quoting a pasted key', () => {
    const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
    const out = problems(
      project([
        '    s3:',
        '      bucket: s3://My_Bucket/x',
        '      prefix: /lead/',
        '      endpoint: ftp://x',
        `      secret_access_key_secret: ${secret}`,
        '      access_key_id_secret: AKIAIOSFODNN7EXAMPLE',
        '      sse: kms',
        '      object_lock: {mode: strict, retain_days: 0}',
        '      colour: blue',
      ]),
    );
    const text = out.join('\n');
    expect(text).not.toContain(secret);
    expect(text).not.toContain('AKIAIOSFODNN7EXAMPLE');
    expect(text).toMatch(/s3\.bucket is the bucket's name alone, e\.g\. "My_Bucket"/);
    expect(text).toMatch(/invalid s3\.prefix "\/lead\/"/);
    expect(text).toMatch(/s3\.endpoint must be an http\(s\) URL/);
    expect(text).toMatch(/s3\.secret_access_key_secret must NAME an environment variable/);
    expect(text).toMatch(/s3\.access_key_id_secret must NAME an environment variable/);
    expect(text).toMatch(/s3\.sse must be AES256 or aws:kms/);
    expect(text).toMatch(/s3\.object_lock\.mode must be governance or compliance/);
    expect(text).toMatch(/retain_days must be a whole number of days from 1 to 36500/);
    expect(text).toMatch(/colour/);
    // Located at the value.
    expect(out.find((l) => l.includes('s3.sse'))).toMatch(/^11:\d+ projects\[0\]\.s3\.sse:/);
  });

  it('wants both key variables or neither (neither: the AWS SDK default chain)', () => {
    expect(
      problems(project(['    s3:', '      bucket: b-1', '      access_key_id_secret: KEY'])),
    ).toEqual([
      '6:7 projects[0].s3.secret_access_key_secret: s3 needs both access_key_id_secret and secret_access_key_secret, or neither (the AWS SDK default chain)',
    ]);
    const ok = parseConfig(project(['    destinations: [s3]', '    s3: {bucket: b-1}']), 'c.yaml');
    expect(ok.projects[0]!.s3).toEqual({
      bucket: 'b-1',
      prefix: 'supabase-backups',
      force_path_style: false,
      write_only: false,
    });
  });
});
