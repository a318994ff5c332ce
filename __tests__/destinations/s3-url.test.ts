import { describe, expect, it } from 'vitest';
import { keyOf, parseS3SetUrl } from '../../src/destinations/s3/url.js';

describe('s3:// set URLs, read from the right', () => {
  it('bucket first, set id last, project before it, the prefix whatever lies between', () => {
    expect(parseS3SetUrl('s3://b-1/supabase-backups/prod/2026-11-22T031500Z', false)).toEqual({
      bucket: 'b-1',
      prefix: 'supabase-backups',
      project: 'prod',
      setId: '2026-11-22T031500Z',
    });
    expect(parseS3SetUrl('s3://b-1/prod/2026-11-22T031500Z', false)).toEqual({
      bucket: 'b-1',
      prefix: '',
      project: 'prod',
      setId: '2026-11-22T031500Z',
    });
    expect(parseS3SetUrl('s3://b-1/a/b/c/prod/2026-11-22T031500Z/', false)).toMatchObject({
      prefix: 'a/b/c',
      project: 'prod',
    });
  });

  it('with latest, the URL ends at the project', () => {
    expect(parseS3SetUrl('s3://b-1/backups/prod', true)).toEqual({
      bucket: 'b-1',
      prefix: 'backups',
      project: 'prod',
    });
  });

  it('refuses what is not a set URL, saying how to write one', () => {
    expect(() => parseS3SetUrl('s3://b-1/backups/prod', false)).toThrow(
      /the last segment "prod" is not a set id .* add --latest/,
    );
    expect(() => parseS3SetUrl('s3://B_1/prod/2026-11-22T031500Z', false)).toThrow(
      /not a bucket name/,
    );
    expect(() => parseS3SetUrl('s3://b-1/../prod/2026-11-22T031500Z', false)).toThrow(
      /not a key prefix/,
    );
    expect(() => parseS3SetUrl('s3://b-1/2026-11-22T031500Z', false)).toThrow(
      /"" is not a project name/,
    );
    expect(() => parseS3SetUrl('https://b-1/p/2026-11-22T031500Z', false)).toThrow(
      /not an s3:\/\/ URL/,
    );
  });

  it('joins keys without empty segments', () => {
    expect(keyOf('', 'p', 'manifest.json')).toBe('p/manifest.json');
    expect(keyOf('a/b', 'p')).toBe('a/b/p');
  });
});
