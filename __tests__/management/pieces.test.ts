import { describe, expect, it } from 'vitest';
import { buildMultipart, boundaryOf, parseMultipart } from '../../src/management/multipart.js';
import { refFromConnectionUrl } from '../../src/management/project.js';
import { sourceDigest, sourceFile } from '../../src/management/functions.js';
import { WITHHELD, sectionDigest, withholdSecrets } from '../../src/management/settings.js';

describe('multipart', () => {
  it('round-trips files byte for byte, odd names included', () => {
    const parts = [
      {
        name: 'metadata',
        data: Buffer.from('{"entrypoint_path":"index.ts"}'),
        contentType: 'application/json',
      },
      { name: 'file', filename: 'a dir/quo"te.ts', data: Buffer.from([0, 13, 10, 45, 45, 255]) },
      { name: 'file', filename: 'empty.txt', data: Buffer.alloc(0) },
    ];
    const built = buildMultipart(parts);
    const boundary = boundaryOf(built.contentType)!;
    expect(parseMultipart(built.data, boundary)).toEqual(parts);
  });

  it('refuses a truncated body', () => {
    const built = buildMultipart([{ name: 'file', filename: 'x', data: Buffer.from('abc') }]);
    const boundary = boundaryOf(built.contentType)!;
    expect(() => parseMultipart(built.data.subarray(0, built.data.length - 10), boundary)).toThrow(
      /closing boundary/,
    );
    expect(boundaryOf('application/json')).toBeUndefined();
  });
});

describe('project ref from the connection URL', () => {
  it('reads the pooler user or the direct host', () => {
    const ref = 'abcdefghijklmnopqrst';
    expect(
      refFromConnectionUrl(
        `postgresql://postgres.${ref}:pw@aws-0-eu-west-1.pooler.supabase.com:6543/postgres`,
      ),
    ).toBe(ref);
    expect(
      refFromConnectionUrl(`postgresql://postgres:pw@db.${ref}.supabase.co:5432/postgres`),
    ).toBe(ref);
    expect(
      refFromConnectionUrl('postgresql://postgres:pw@localhost:5432/postgres'),
    ).toBeUndefined();
    expect(refFromConnectionUrl('not a url')).toBeUndefined();
  });
});

describe('digests and withheld secrets', () => {
  it('a function digest does not depend on file order and changes with any byte', () => {
    const a = sourceFile('a.ts', Buffer.from('a'));
    const b = sourceFile('b.ts', Buffer.from('b'));
    const d = sourceDigest({ form: 'files', files: [a, b] });
    expect(sourceDigest({ form: 'files', files: [b, a] })).toBe(d);
    expect(
      sourceDigest({ form: 'files', files: [a, sourceFile('b.ts', Buffer.from('c'))] }),
    ).not.toBe(d);
  });

  it('withholds non-empty secret-valued fields at any depth, keeps the rest', () => {
    const { value, withheld } = withholdSecrets({
      smtp_pass: 'p',
      smtp_user: 'u',
      password_min_length: 8,
      external_github_secret: null,
      hook_send_sms_secrets: 'v1,whsec_x',
      nested: [{ sms_vonage_api_secret: 's' }],
    });
    expect(value).toEqual({
      smtp_pass: WITHHELD,
      smtp_user: 'u',
      password_min_length: 8,
      external_github_secret: null,
      hook_send_sms_secrets: WITHHELD,
      nested: [{ sms_vonage_api_secret: WITHHELD }],
    });
    expect(withheld).toEqual([
      'smtp_pass',
      'hook_send_sms_secrets',
      'nested[0].sms_vonage_api_secret',
    ]);
    expect(sectionDigest({ a: 1, b: 2 })).toBe(sectionDigest({ b: 2, a: 1 }));
  });
});
