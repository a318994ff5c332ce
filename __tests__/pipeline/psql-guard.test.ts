import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { PsqlGuard } from '../../src/pipeline/psql-guard.js';

/** Runs `text` through the guard in the given pieces; the refusal message, or null (and the bytes must pass unchanged). */
async function guard(pieces: Buffer[]): Promise<string | null> {
  const out: Buffer[] = [];
  try {
    await pipeline(
      Readable.from(pieces),
      new PsqlGuard('schema.sql'),
      new Writable({ write: (c: Buffer, _e, cb) => (out.push(c), cb()) }),
    );
  } catch (err) {
    return (err as Error).message;
  }
  // Unchanged, but for pg_dump's own \restrict pair, which is commented out.
  const expected = Buffer.concat(pieces)
    .toString('latin1')
    .replace(/^(\\(un)?restrict [A-Za-z0-9]+\r?)$/gm, '-- $1');
  expect(Buffer.concat(out).toString('latin1')).toBe(expected);
  return null;
}

/** The verdict for `text` whole, split in two at every byte, and fed one byte at a time; all must agree. */
async function verdict(text: string | Buffer): Promise<string | null> {
  const bytes = Buffer.isBuffer(text) ? text : Buffer.from(text, 'utf8');
  const whole = await guard([bytes]);
  for (let k = 1; k < bytes.length; k++)
    expect(await guard([bytes.subarray(0, k), bytes.subarray(k)]), `split at ${k}`).toBe(whole);
  expect(await guard([...bytes].map((b) => Buffer.from([b])))).toBe(whole);
  return whole;
}

const HEADER = [
  '--',
  '-- PostgreSQL database dump',
  '--',
  '',
  String.raw`-- \restrict 9yQK4qgqQh7kdIbC1c0ozlPE1ERafQzzQJJyG3tc5aRa2BDDdv5oYYk6cHWOeND`,
  '',
  'SET statement_timeout = 0;',
  "SET client_encoding = 'UTF8';",
  'SET standard_conforming_strings = on;',
  "SELECT pg_catalog.set_config('search_path', '', false);",
  '',
].join('\n');

/** Honest pg_dump shapes: every one must pass. */
const honest: Record<string, string> = {
  'commented-out \\restrict pair': `${HEADER}\nCREATE TABLE public.t (id int);\n\n-- \\unrestrict 9yQK4qgq\n`,
  "pg_dump's live \\restrict pair (commented out on the way)": [
    'SET session_replication_role = replica;',
    '',
    '\\restrict 9yQK4qgqQh7kdIbC1c0ozlPE1ERafQzzQJJyG3tc5aRa2BDDdv5oYYk6cHWOeND',
    '',
    'COPY public.t (a) FROM stdin;',
    '\\N',
    '\\.',
    '',
    '\\unrestrict 9yQK4qgqQh7kdIbC1c0ozlPE1ERafQzzQJJyG3tc5aRa2BDDdv5oYYk6cHWOeND',
    '',
    'RESET ALL;',
    '',
  ].join('\n'),
  'COPY data with backslashes': [
    HEADER,
    'COPY "public"."notes" ("id", "body", "tag") FROM stdin;',
    '1\t\\N\t\\\\! not a command',
    '\\! touch /tmp/not-run-it-is-data',
    '\\.x is data too\t\\.',
    '2\tline\\nbreak\t\\\\',
    '\\.',
    "SELECT pg_catalog.setval('public.notes_id_seq', 2, true);",
    'COPY public.empty (id) FROM stdin;',
    '\\.',
    'RESET ALL;',
    '',
  ].join('\n'),
  'CRLF COPY block': 'COPY public.t (a) FROM stdin;\r\n\\N\r\n\\.\r\nSELECT 1;\r\n',
  'function bodies in dollar quotes': [
    'CREATE FUNCTION public.f() RETURNS text LANGUAGE plpgsql AS $_$',
    "BEGIN RETURN E'\\\\! x' || $$ \\! $$; END $_$;",
    'CREATE FUNCTION public.g() RETURNS text LANGUAGE sql AS $function$ select $x$\\i$x$ $function$;',
    'CREATE FUNCTION public.h(integer, integer) RETURNS integer LANGUAGE sql RETURN ($1 + $2);',
    '',
  ].join('\n'),
  'strings, identifiers and comments holding backslashes': [
    "ALTER TABLE public.t ADD CONSTRAINT c CHECK (email ~ '^[^@]+@[^@]+\\.[a-z]+$');",
    "COMMENT ON TABLE public.t IS 'it''s a \\d and \\\\ double';",
    'CREATE TABLE "we\\ird""name" (x int);',
    "SELECT E'tab\\there', U&'\\0041', B'01', X'1F', N'n';",
    '/* outer /* nested \\! */ still \\! comment */ SELECT 1;',
    '-- \\! a line comment',
    'SELECT 1; -- \\o /tmp/x',
    '',
  ].join('\n'),
  "E'' strings with \\' escapes": [
    "SELECT E'it\\'s \\! not a command', e'\\\\', (E'a''b\\'');",
    "SELECT 'x' || E'\\'\\\\';",
    '',
  ].join('\n'),
  'BEGIN ATOMIC body, then SQL':
    'CREATE FUNCTION public.a() RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n SELECT 1;\nEND;\nSELECT 2;\n',
  'non-ASCII text':
    "COMMENT ON TABLE public.t IS 'ぁ café ü';\nCOPY public.t (x) FROM stdin;\nぁ\n\\.\n",
};

describe('PsqlGuard passes honest dumps', () => {
  it.each(Object.entries(honest))('%s', async (_name, text) => {
    expect(await verdict(text)).toBeNull();
  });
});

/** Hostile parts: each must be refused, naming the line. */
const hostile: [string, string, RegExp][] = [
  [
    '\\! at a line start',
    `${HEADER}\\! touch MARKER\n`,
    /schema\.sql line 11: psql meta-command \\!/,
  ],
  ['\\i', 'SELECT 1;\n\\i /etc/passwd\n', /line 2: psql meta-command \\i /],
  ['\\o to a pipe', '\\o |sh\n', /line 1: psql meta-command \\o /],
  ['\\copy ... program', "\\copy t from program 'id'\n", /\\copy /],
  ['\\gexec', "SELECT 'x' \\gexec\n", /\\gexec/],
  ['\\set', '\\set ON_ERROR_STOP 0\n', /\\set /],
  ['\\connect', '\\connect other\n', /\\connect/],
  ['\\unrestrict with more on the line', '\\unrestrict key; \\! id\n', /\\unrestrict/],
  [
    '\\restrict inside a statement',
    'SELECT 1\n\\restrict key\n',
    /line 2: psql meta-command \\restrict/,
  ],
  ['a long line after a backslash', `\\!${' '.repeat(300)}x\n`, /line 1: psql meta-command \\!/],
  ['after a statement', 'SELECT 1; \\! id\n', /line 1: psql meta-command \\!/],
  ['\\; inside a statement', 'SELECT 1 \\; SELECT 2;\n', /\\;/],
  ['after a -- comment ended by \\r', '-- comment\r\\! id\n', /\\!/],
  ['after a nested comment closes', '/* a /* b */ c */ \\! id\n', /\\!/],
  ['after a string with a doubled quote', "SELECT 'it''s'; \\! id\n", /\\!/],
  ['after a dollar body', 'SELECT $a$ $b$ \\! $a$; \\! id\n', /\\!/],
  ['after an E string', "SELECT E'\\\\'; \\! id\n", /\\!/],
  ["after an E string with \\'", "SELECT E'it\\'s'; \\! id\n", /line 1: psql meta-command \\!/],
  [
    "\\' in a string that only looks like E'' (:e is a psql variable)",
    "SELECT :e'\\'';\n",
    /odd number of backslashes/,
  ],
  [
    "\\' after 1.e (one token in psql 16+)",
    "SELECT 1.e'\\'; \\! id; --';\n",
    /odd number of backslashes/,
  ],
  ["\\' after a name ending in e", "SELECT xe'\\'';\n", /odd number of backslashes/],
  ['a \\. outside COPY', 'SELECT 1;\n\\.\n', /\\\./],
  [
    'in data after the COPY block ends',
    'COPY public.t (a) FROM stdin;\n1\n\\.\n\\! id\n',
    /line 4: psql meta-command \\!/,
  ],
  [
    'COPY header not at a statement start',
    'SELECT 1\nCOPY public.t (a) FROM stdin;\n\\! id\n\\.\n',
    /line 3: psql meta-command \\!/,
  ],
  [
    'COPY header inside parentheses',
    'SELECT (\n;\nCOPY public.t (a) FROM stdin;\n\\! id\n',
    /line 4/,
  ],
  [
    'COPY header inside BEGIN ATOMIC (psql 14+ keeps the statement open)',
    'CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1;\nCOPY public.t (a) FROM stdin;\n\\! id\n\\.\nEND;\n',
    /line 3: psql meta-command \\!/,
  ],
  [
    'COPY header with more after the semicolon',
    'COPY public.t (a) FROM stdin; SELECT 1;\n\\! id\n',
    /line 2/,
  ],
  ['COPY TO stdout is not COPY data', 'COPY public.t TO stdout;\n\\! id\n', /line 2/],
  [
    'string ambiguous under standard_conforming_strings=off',
    "SET standard_conforming_strings = off;\nSELECT 'a\\'';\n\\! id\n';\n",
    /line 2: a quote after an odd number of backslashes/,
  ],
  ['$ right after a name', 'SELECT 1 AS x$$ \\! $$;\n', /a "\$" right after a name/],
  ['NUL byte', 'SELECT 1; -- \0\n\\! id\n', /line 1: a NUL byte/],
  [
    'NUL byte in COPY data',
    'COPY public.t (a) FROM stdin;\nx\0\n\\.\n',
    /line 2: a NUL byte in COPY data/,
  ],
  [
    'ends inside COPY data',
    'COPY public.t (a) FROM stdin;\n1\n',
    /ends inside the COPY data begun at line 2/,
  ],
  ['ends inside a string', "SELECT 'abc\n", /ends inside a quoted string/],
  ['ends inside a dollar body', 'SELECT $x$ abc $y$\n', /ends inside a dollar-quoted body/],
  ['ends inside a comment', 'SELECT 1; /* /* */\n', /ends inside a \/\* comment/],
];

describe('PsqlGuard refuses meta-commands', () => {
  it.each(hostile)('%s', async (_name, text, message) => {
    const refused = await verdict(text);
    expect(refused).toMatch(message);
    expect(refused).toMatch(/^refusing the set: schema\.sql line \d+: .*nothing was applied$/);
  });
});

describe('PsqlGuard for a psql without \\restrict (asciiOnly)', () => {
  async function ascii(text: Buffer): Promise<string | null> {
    const out: string[] = [];
    for (let k = 1; k < text.length; k++) {
      try {
        await pipeline(
          Readable.from([text.subarray(0, k), text.subarray(k)]),
          new PsqlGuard('roles.sql', { asciiOnly: true }),
          new Writable({ write: (_c, _e, cb) => cb() }),
        );
        out.push('ok');
      } catch (err) {
        out.push((err as Error).message);
      }
    }
    expect(new Set(out).size).toBe(1);
    return out[0] === 'ok' ? null : out[0]!;
  }

  it('refuses what a client-only encoding reads another way (SJIS swallows the quote)', async () => {
    // Under SJIS, 0x81 0x27 is one character: psql sees no string and runs \! (checked for real in e2e/hostile-restore).
    const sjis = Buffer.concat([
      Buffer.from("SET client_encoding = 'SJIS';\nSELECT 1 "),
      Buffer.from([0x81]),
      Buffer.from("' \\! touch MARKER\n';\n"),
    ]);
    // Read as UTF-8 (or any server encoding), this is a string: the default guard passes it.
    expect(await verdict(sjis)).toBeNull();
    expect(await ascii(sjis)).toMatch(/roles\.sql line 2: non-ASCII text right before "'"/);
    expect(await ascii(Buffer.from("COMMENT ON TABLE t IS 'ぁ';\n"))).toMatch(/non-ASCII/);
    expect(await ascii(Buffer.from('SELECT $ぁ$ x $ぁ$;\n'))).toMatch(/non-ASCII \$tag\$/);
  });

  it('passes ASCII SQL, non-ASCII followed by letters, and any COPY data', async () => {
    expect(
      await ascii(
        Buffer.from("SELECT 'plain';\nCOPY public.t (a) FROM stdin;\nぁ 日本\t\\N\n\\.\n"),
      ),
    ).toBeNull();
    expect(await ascii(Buffer.from("SELECT 'caféx';\n"))).toBeNull();
  });
});
