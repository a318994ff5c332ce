/**
 * The object list's lines (storage.objects, read by the next run and by the branch's base):
 * content type and Cache-Control survive a round trip, and lists written before Cache-Control
 * was recorded (three fields) still read.
 */
import { describe, expect, it } from 'vitest';
import {
  formatObjectLines,
  parseIndex,
  parseObjectLines,
  type ObjectLine,
} from '../../src/storage/index-file.js';

const sha = 'a'.repeat(64);
const fp = 'b'.repeat(64);

describe('storage.objects lines', () => {
  it('round-trips the content type and Cache-Control, spaces and commas included', () => {
    const lines: ObjectLine[] = [
      {
        sha256: sha,
        fingerprint: fp,
        content_type: 'text/plain; charset=utf-8',
        cache_control: 'public, max-age=31536000, immutable',
      },
      { sha256: sha, fingerprint: fp, content_type: 'image/png' },
      { sha256: sha, fingerprint: fp, content_type: '', cache_control: '' },
    ];
    const text = formatObjectLines(lines);
    expect(text.split('\n')[0]).toBe(
      `${sha} ${fp} text%2Fplain%3B%20charset%3Dutf-8 public%2C%20max-age%3D31536000%2C%20immutable`,
    );
    expect(parseObjectLines(text)).toEqual(lines);
  });

  it('reads a list written before Cache-Control was recorded, and refuses a fifth field', () => {
    expect(parseObjectLines(`${sha} ${fp} image%2Fpng\n`)).toEqual([
      { sha256: sha, fingerprint: fp, content_type: 'image/png' },
    ]);
    expect(() => parseObjectLines(`${sha} ${fp} a b c\n`)).toThrow(
      /storage\.objects line 1 is not "<sha256> <fingerprint> <type>\[ <cache-control>\]"/,
    );
  });

  it('reads an index with and without cache_control', () => {
    const object = {
      bucket: 'avatars',
      key: 'a.png',
      size: 1,
      etag: '"x"',
      last_modified: '2026-12-07T00:00:00.000Z',
      sha256: sha,
      content_type: 'image/png',
    };
    const index = (objects: object[]) =>
      JSON.stringify({
        format: 'supabase-backup-storage-index',
        format_version: 1,
        buckets: ['avatars'],
        objects,
      });
    expect(parseIndex(index([object])).objects[0]!.cache_control).toBeUndefined();
    expect(
      parseIndex(index([{ ...object, cache_control: 'no-cache' }])).objects[0]!.cache_control,
    ).toBe('no-cache');
    expect(() => parseIndex(index([{ ...object, cache_control: 3 }]))).toThrow(
      /objects\.0\.cache_control/,
    );
  });
});
