import { describe, expect, it } from 'vitest';
import { libpqEnv, parseConnectionUrl } from '../../src/config/secrets.js';
import {
  sessionMode,
  TIMEOUTS_OFF,
  withoutTimeoutsOff,
  withTimeoutsOff,
} from '../../src/dump/connect.js';

const REF = 'abcdefghijklmnopqrst';
const url = (s: string) => parseConnectionUrl(s, 'TEST_URL');

describe('withTimeoutsOff', () => {
  it('turns both time-outs off in every session', () => {
    const env = withTimeoutsOff(libpqEnv(url('postgresql://u:pw@h:5432/d')));
    expect(env.PGOPTIONS).toBe('-c statement_timeout=0 -c idle_in_transaction_session_timeout=0');
    expect(env.PGPASSWORD).toBe('pw');
  });

  it("comes after the URL's own options, so its -c settings win", () => {
    const conn = url(
      'postgresql://u:pw@h/d?options=-c%20search_path%3Dapp%20-c%20statement_timeout%3D5s',
    );
    expect(withTimeoutsOff(libpqEnv(conn)).PGOPTIONS).toBe(
      `-c search_path=app -c statement_timeout=5s ${TIMEOUTS_OFF}`,
    );
  });

  it('can be taken back to what the URL alone says (for a server that refuses options)', () => {
    const own = url('postgresql://u:pw@h/d?options=-c%20search_path%3Dapp');
    expect(withoutTimeoutsOff(withTimeoutsOff(libpqEnv(own)), own).PGOPTIONS).toBe(
      '-c search_path=app',
    );
    const none = url('postgresql://u:pw@h/d');
    expect(withoutTimeoutsOff(withTimeoutsOff(libpqEnv(none)), none)).not.toHaveProperty(
      'PGOPTIONS',
    );
  });
});

describe('sessionMode', () => {
  it('moves the transaction pooler to session mode and says so once', () => {
    const notices: string[] = [];
    const conn = sessionMode(
      url(`postgresql://postgres.${REF}:pw@aws-0-us-east-1.pooler.supabase.com:6543/postgres`),
      (m) => notices.push(m),
    );
    expect(conn.port).toBe(5432);
    expect(conn.host).toBe('aws-0-us-east-1.pooler.supabase.com');
    expect(notices).toHaveLength(1);
  });

  it('leaves session mode and other hosts as they are, silently', () => {
    const notices: string[] = [];
    for (const s of [
      `postgresql://postgres.${REF}:pw@aws-0-us-east-1.pooler.supabase.com:5432/postgres`,
      'postgresql://u:pw@localhost:6543/d',
    ]) {
      const given = url(s);
      expect(sessionMode(given, (m) => notices.push(m))).toBe(given);
    }
    expect(notices).toEqual([]);
  });
});
