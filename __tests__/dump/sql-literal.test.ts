import { describe, expect, it } from 'vitest';
import { quoteIdent, sqlBool, sqlLiteral } from '../../src/dump/sql-literal.js';

describe('sql-literal', () => {
  it('quotes identifiers, doubling double quotes', () => {
    expect(quoteIdent('schema_migrations')).toBe('"schema_migrations"');
    expect(quoteIdent('a "b"')).toBe('"a ""b"""');
  });

  it('writes plain values as standard literals', () => {
    expect(sqlLiteral("it's")).toBe("'it''s'");
    expect(sqlLiteral('ü 日本 $$ -- /*')).toBe("'ü 日本 $$ -- /*'");
    expect(sqlLiteral(null)).toBe('NULL');
    expect(sqlBool(false)).toBe('false');
  });

  it('writes backslashes and control characters as one-line E strings', () => {
    expect(sqlLiteral('a\\b')).toBe("E'a\\\\b'");
    expect(sqlLiteral("x'\ny\r\tz\u0001\u007f")).toBe("E'x\\'\\ny\\r\\tz\\x01\\x7f'");
    expect(sqlLiteral('line one\nline two')).not.toContain('\n');
  });
});
