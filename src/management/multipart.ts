/**
 * multipart/form-data in both directions: the function body as the Management API returns it
 * (one part per source file, and possibly a `metadata` part), and the deploy request that puts
 * a function back. Bytes stay bytes: a file's content is never decoded as text.
 */
import { randomBytes } from 'node:crypto';

export interface FormPart {
  /** The form field name (`file`, `metadata`). */
  name: string;
  /** The file name, when the part is a file. */
  filename?: string;
  contentType?: string;
  data: Buffer;
}

/** The boundary of a multipart content type, or undefined when it is not one. */
export function boundaryOf(contentType: string | null): string | undefined {
  if (!contentType || !/^multipart\/form-data\s*;/i.test(contentType)) return undefined;
  const m = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return m?.[1] ?? m?.[2];
}

/** Splits a multipart body; throws when it is not well formed (a truncated answer). */
export function parseMultipart(body: Buffer, boundary: string): FormPart[] {
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: FormPart[] = [];
  let at = body.indexOf(delimiter);
  if (at < 0) throw new Error('the multipart body has no boundary line');
  for (;;) {
    at += delimiter.length;
    if (body.subarray(at, at + 2).toString() === '--') return parts;
    if (body.subarray(at, at + 2).toString() !== '\r\n')
      throw new Error('a multipart boundary line is malformed');
    const headEnd = body.indexOf('\r\n\r\n', at + 2);
    if (headEnd < 0) throw new Error('a multipart part has no end of headers');
    const next = body.indexOf(Buffer.from(`\r\n--${boundary}`), headEnd + 4);
    if (next < 0) throw new Error('the multipart body ends before its closing boundary');
    parts.push(
      toPart(body.subarray(at + 2, headEnd).toString('utf8'), body.subarray(headEnd + 4, next)),
    );
    at = next + 2;
  }
}

function toPart(head: string, data: Buffer): FormPart {
  const headers = new Map<string, string>();
  for (const line of head.split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0) headers.set(line.slice(0, i).trim().toLowerCase(), line.slice(i + 1).trim());
  }
  const disposition = headers.get('content-disposition') ?? '';
  const param = (key: string) => {
    const m = new RegExp(`;\\s*${key}="((?:[^"\\\\]|\\\\.)*)"`, 'i').exec(disposition);
    return m ? decodeFormValue(m[1]!) : undefined;
  };
  const filename = param('filename');
  const contentType = headers.get('content-type');
  return {
    name: param('name') ?? '',
    ...(filename !== undefined && { filename }),
    ...(contentType !== undefined && { contentType }),
    data: Buffer.from(data),
  };
}

/** Browsers percent-encode `"`, CR and LF in names (the WHATWG form encoding); undo that. */
function decodeFormValue(v: string): string {
  return v
    .replace(/%22/g, '"')
    .replace(/%0D/gi, '\r')
    .replace(/%0A/gi, '\n')
    .replace(/\\(.)/g, '$1');
}

function encodeFormValue(v: string): string {
  return v.replace(/"/g, '%22').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** A multipart/form-data body and its content type. */
export function buildMultipart(parts: FormPart[]): { data: Buffer; contentType: string } {
  let boundary: string;
  // A file that happens to hold the boundary would end its part early: pick another.
  do boundary = `----supabase-backup-${randomBytes(12).toString('hex')}`;
  while (parts.some((p) => p.data.includes(boundary)));
  const chunks: Buffer[] = [];
  for (const p of parts) {
    const file = p.filename !== undefined ? `; filename="${encodeFormValue(p.filename)}"` : '';
    const head =
      `--${boundary}\r\nContent-Disposition: form-data; name="${encodeFormValue(p.name)}"${file}\r\n` +
      (p.contentType ? `Content-Type: ${p.contentType}\r\n` : '') +
      '\r\n';
    chunks.push(Buffer.from(head), p.data, Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return {
    data: Buffer.concat(chunks),
    contentType: `multipart/form-data; boundary=${boundary}`,
  };
}
