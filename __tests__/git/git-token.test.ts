/** Where a token may go (issue #13): https anywhere, plain http only to this machine. */
import { describe, expect, it } from 'vitest';
import { describeRemote, tokenAllowed } from '../../src/git/remote.js';

describe('tokenAllowed', () => {
  it.each([
    ['https://github.com/octo/backups.git', true],
    ['https://ghe.example.com:8443/octo/backups.git', true],
    ['http://127.0.0.1:8080/octo/backups.git', true],
    ['http://127.5.6.7/octo/backups.git', true],
    ['http://localhost:3000/octo/backups.git', true],
    ['http://[::1]:3000/octo/backups.git', true],
    ['http://github.com/octo/backups.git', false],
    ['http://127.0.0.1.evil.example/octo/backups.git', false],
    ['http://localhost.evil.example/x.git', false],
    ['http://10.0.0.1/x.git', false],
    ['http://[::2]/x.git', false],
    ['git://github.com/octo/backups.git', false],
    ['ssh://git@github.com/octo/backups.git', false],
    ['file:///srv/backups.git', false],
    ['/srv/backups.git', false],
    ['git@github.com:octo/backups.git', false],
  ])('%s -> %s', (url, allowed) => {
    expect(tokenAllowed(url)).toBe(allowed);
  });

  it('describes a remote without its query, fragment or credentials', () => {
    expect(describeRemote('https://u:p@example.com/x.git?access_token=abcdef#t=ghijkl')).toBe(
      'example.com/x.git',
    );
  });
});
