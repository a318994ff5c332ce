import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/errors.js';

function problems(text: string): string[] {
  try {
    parseConfig(text, 'cfg.yaml');
  } catch (err) {
    if (err instanceof ConfigError) return err.issues.map((i) => `${i.path}: ${i.message}`);
    throw err;
  }
  throw new Error('expected a ConfigError');
}
const project = (lines: string[], defaults: string[] = []) =>
  [
    'version: 1',
    ...(defaults.length ? ['defaults:', ...defaults] : []),
    'projects:',
    '  - name: a',
    '    db_url_secret: A',
    ...lines,
  ].join('\n');

describe('Management API keys', () => {
  it('functions and settings are parts; the token variable and api_url come from the project or defaults', () => {
    const c = parseConfig(
      project(
        ['    parts: [settings, functions, data]', '    api_url: http://127.0.0.1:9999/'],
        ['  access_token_secret: SUPABASE_ACCESS_TOKEN'],
      ),
      'cfg.yaml',
    );
    expect(c.projects[0]).toMatchObject({
      parts: ['data', 'functions', 'settings'],
      access_token_secret: 'SUPABASE_ACCESS_TOKEN',
      api_url: 'http://127.0.0.1:9999',
    });
    expect(parseConfig(project([]), 'cfg.yaml').projects[0]!.api_url).toBeUndefined();
  });

  it('refuses the parts without a token variable, and a token pasted in place of its name', () => {
    expect(problems(project(['    parts: [functions]']))).toEqual([
      'projects[0].parts: the functions part needs access_token_secret (the NAME of the variable holding a Supabase access token) in the project or in defaults; see docs/management-api.md',
    ]);
    const token = 'sbp_0123456789abcdef0123456789abcdef01234567';
    const pasted = problems(project([`    access_token_secret: ${token}`]));
    expect(pasted).toHaveLength(1);
    expect(pasted[0]).toMatch(/must NAME an environment variable, not hold the token itself/);
    expect(pasted.join('\n')).not.toContain(token);
  });

  it('refuses an api_url with credentials or that is not http(s)', () => {
    expect(problems(project(['    api_url: https://user:pw@api.example.com']))[0]).toMatch(
      /invalid api_url .*without credentials/,
    );
    expect(problems(project(['    api_url: ftp://api.example.com']))[0]).toMatch(/invalid api_url/);
  });
});
