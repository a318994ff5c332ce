import { describe, expect, it } from 'vitest';
import { hasRestrict, restrictArgs } from '../../src/restore/psql-restrict.js';

describe('hasRestrict', () => {
  it.each([
    ['15.18 (Debian 15.18-0+deb12u1)', true],
    ['15.14', true],
    ['15.13', false],
    ['16.10', true],
    ['16.9', false],
    ['17.6', true],
    ['17.5', false],
    ['14.19', true],
    ['13.21', false],
    ['13.22', true],
    ['12.22', false],
    ['18.0', true],
    ['18beta1', true],
    ['19devel', true],
    ['', false],
  ])('%s -> %s', (version, expected) => {
    expect(hasRestrict(version)).toBe(expected);
  });

  it('makes a fresh key of letters and digits each time', () => {
    const [a, b] = [restrictArgs(), restrictArgs()];
    expect(a[0]).toBe('-c');
    expect(a[1]).toMatch(/^\\restrict [0-9a-f]{48}$/);
    expect(a[1]).not.toBe(b[1]);
  });
});
