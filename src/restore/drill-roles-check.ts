/**
 * The roles part of a drill on PostgreSQL 15 or older, line by line. There CREATEROLE lets a
 * role grant itself any non-superuser role, pg_execute_server_program included (16 needs ADMIN
 * OPTION), so the drill's `postgres` keeps CREATEROLE only for this part and only if the part is
 * what pg_dumpall writes: one statement per line, each matching one of the shapes below (roles
 * created, altered, configured, commented, granted; of the pg_* roles only the grantable ones).
 * Anything else refuses the set. Attributes a non-superuser may not give on 15, and CREATEROLE
 * (which would let a set's role reach pg_execute_server_program later), are dropped from
 * `ALTER ROLE ... WITH`: the drill checks the data, not those attributes. Line numbers are
 * unchanged.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { RestoreError } from '../errors.js';
import { GRANTABLE_PREDEFINED } from './drill-roles.js';

/** A quoted or plain identifier; a string literal (standard_conforming_strings on). */
const ID = String.raw`(?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)`;
const LIT = String.raw`'(?:[^']|'')*'`;
const VALUE = String.raw`(?:${LIT}|-?[0-9]+(?:\.[0-9]+)?|${ID})`;
const ATTR = String.raw`(?:NOSUPERUSER|INHERIT|NOINHERIT|CREATEROLE|NOCREATEROLE|CREATEDB|NOCREATEDB|LOGIN|NOLOGIN|REPLICATION|NOREPLICATION|BYPASSRLS|NOBYPASSRLS|CONNECTION LIMIT -?[0-9]+|VALID UNTIL ${LIT}|PASSWORD (?:${LIT}|NULL))`;

const SHAPES: RegExp[] = [
  /^$/,
  /^--.*$/,
  /^SET default_transaction_read_only = off;$/,
  /^SET client_encoding = 'UTF8';$/,
  /^SET standard_conforming_strings = on;$/,
  /^RESET ALL;$/,
  new RegExp(`^CREATE ROLE ${ID};$`),
  new RegExp(`^ALTER ROLE ${ID} WITH(?: ${ATTR})+;$`),
  new RegExp(
    `^ALTER ROLE ${ID}(?: IN DATABASE ${ID})? SET ${ID} (?:TO|=) ${VALUE}(?:, ?${VALUE})*;$`,
  ),
  new RegExp(`^COMMENT ON ROLE ${ID} IS ${LIT};$`),
];
const GRANT = new RegExp(
  `^GRANT (${ID}(?:, ${ID})*) TO ${ID}(?:, ${ID})*(?: WITH [A-Z ,]+)?(?: GRANTED BY ${ID})?;$`,
);
const NAMES = new RegExp(ID, 'g');

/** An identifier as the server reads it: quotes removed, or folded to lower case. */
function roleName(id: string): string {
  return id.startsWith('"') ? id.slice(1, -1).replace(/""/g, '"') : id.toLowerCase();
}

/** Why a line is refused, or null when it is one of the shapes. */
export function refuseRolesLine(line: string): string | null {
  if (SHAPES.some((shape) => shape.test(line))) return null;
  const grant = GRANT.exec(line);
  if (grant) {
    const granted = (grant[1]!.match(NAMES) ?? []).map(roleName);
    const predefined = granted.find(
      (name) => name.startsWith('pg_') && !GRANTABLE_PREDEFINED.includes(name),
    );
    return predefined === undefined
      ? null
      : `it grants the predefined role ${predefined} (a drill grants only ${GRANTABLE_PREDEFINED.join(', ')})`;
  }
  return 'it is not a statement pg_dumpall writes into a roles part (or it asks for SUPERUSER)';
}

/** The line as applied: attributes a non-superuser may not state on 15, and CREATEROLE, dropped. */
function rewriteRolesLine(line: string): string {
  if (!line.startsWith('ALTER ROLE ') || !/ WITH /.test(line)) return line;
  const kept = line.replace(
    / (?:NOSUPERUSER|NOREPLICATION|NOBYPASSRLS|CREATEROLE|REPLICATION|BYPASSRLS)(?=[ ;])/g,
    '',
  );
  // Nothing left to alter: the line stays, as a comment (psql's line numbers are the part's).
  return kept.endsWith(' WITH;') ? `-- not in a drill: ${line}` : kept;
}

/** Checks and rewrites the roles part as it streams to psql (text read as latin1: bytes kept). */
export class RolesCheck extends Transform {
  private rest = '';
  private line = 0;

  constructor(private readonly label: string) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    const lines = (this.rest + chunk.toString('latin1')).split('\n');
    this.rest = lines.pop()!;
    try {
      done(null, Buffer.from(lines.map((l) => `${this.check(l)}\n`).join(''), 'latin1'));
    } catch (err) {
      done(err as Error);
    }
  }

  override _flush(done: TransformCallback): void {
    try {
      done(null, Buffer.from(this.rest === '' ? '' : this.check(this.rest), 'latin1'));
    } catch (err) {
      done(err as Error);
    }
  }

  private check(line: string): string {
    this.line++;
    const why = refuseRolesLine(line);
    if (why !== null)
      throw new RestoreError(
        `refusing the set for a drill on PostgreSQL 15 or older: ${this.label} line ${this.line}: ${why}; a drill on PostgreSQL 16 or newer (--pg-bin-dir) applies it as any restore would`,
      );
    return rewriteRolesLine(line);
  }
}
