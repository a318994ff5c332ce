/** The healthchecks.io ping URLs of a project's check (pure). */
import { describe, expect, it } from 'vitest';
import { heartbeatUrl } from '../../src/alerts/heartbeat.js';

describe('heartbeatUrl', () => {
  const base = 'https://hc-ping.com/k3y';
  it('start, success and fail of the project slug, created on first ping, with the run id', () => {
    expect(heartbeatUrl(base, 'prod-db', 'start', 'r1')).toBe(
      'https://hc-ping.com/k3y/prod-db/start?create=1&rid=r1',
    );
    expect(heartbeatUrl(base, 'prod-db', 'success', 'r1')).toBe(
      'https://hc-ping.com/k3y/prod-db?create=1&rid=r1',
    );
    expect(heartbeatUrl(base, 'prod_db', 'fail')).toBe(
      'https://hc-ping.com/k3y/prod_db/fail?create=1',
    );
  });

  it('a trailing slash and a self-hosted /ping/ path are kept as the base', () => {
    expect(heartbeatUrl('https://hc.example.org/ping/k3y/', 'a', 'start')).toBe(
      'https://hc.example.org/ping/k3y/a/start?create=1',
    );
    expect(heartbeatUrl(' http://127.0.0.1:8000/ping/k3y ', 'a', 'success')).toBe(
      'http://127.0.0.1:8000/ping/k3y/a?create=1',
    );
  });

  it('refuses what is not an http(s) URL without query or fragment', () => {
    expect(heartbeatUrl('hc-ping.com/k3y', 'a', 'start')).toBeUndefined();
    expect(heartbeatUrl('ftp://hc-ping.com/k3y', 'a', 'start')).toBeUndefined();
    expect(heartbeatUrl('https://hc-ping.com/k3y?create=1', 'a', 'start')).toBeUndefined();
    expect(heartbeatUrl('https://hc-ping.com/k3y#x', 'a', 'start')).toBeUndefined();
  });
});
