/**
 * The roles part of a drill on PostgreSQL 15 or older, line by line. There CREATEROLE lets a
 * role grant itself any non-superuser role, pg_execute_server_program included (16 needs ADMIN
 * OPTION), so the drill's `postgres` keeps CREATEROLE only for this part and only if the part is
 * what pg_dumpall writes: one statement per line, each matching one of the shapes below (roles
 * created, altered without CREATEROLE, REPLICATION or BYPASSRLS, configured, granted; never a
 * pg_* role). Anything else refuses the set. `NOSUPERUSER`, `NOREPLICATION` and `NOBYPASSRLS`
 * (defaults of a new role, which only a superuser may state on 15) are dropped from
 * `ALTER ROLE ... WITH`; line numbers are unchanged.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { RestoreError } from '../errors.js';

/** A quoted or plain identifier; a string literal (standard_conforming_strings on). */
const ID = String.raw`(?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)`;
const LIT = String.raw`'(?:[^']|'')*'`;
const VALUE = String.raw`(?:${LIT}|-?[0-9]+(?:\.[0-9]+)?|${ID})`;
const ATTR = String.raw`(?:NOSUPERUSER|INHERIT|NOINHERIT|NOCREATEROLE|CREATEDB|NOCREATEDB|LOGIN|NOLOGIN|NOREPLICATION|NOBYPASSRLS|CONNECTION LIMIT -?[0-9]+|VALID UNTIL ${LIT}|PASSWORD (?:${LIT}|NULL))`;

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
    const predefined = granted.find((name) => name.startsWith('pg_'));
    return predefined === undefined ? null : `it grants the predefined role ${predefined}`;
  }
  return 'it is not a statement pg_dumpall writes into a roles part (or it asks for CREATEROLE, REPLICATION, BYPASSRLS or SUPERUSER)';
}

/** The line as applied: attributes a non-superuser may not state on 15 are dropped. */
function rewriteRolesLine(line: string): string {
  if (!line.startsWith('ALTER ROLE ') || !/ WITH /.test(line)) return line;
  return line.replace(/ (?:NOSUPERUSER|NOREPLICATION|NOBYPASSRLS)(?=[ ;])/g, '');
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
