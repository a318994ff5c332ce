/**
 * Request and response validation against a published OpenAPI description (GitHub's from
 * @octokit/openapi, Supabase's Management API from __tests__/fixtures/): the operation a method
 * and path match, its path and query parameters, and the JSON body against the operation's
 * requestBody schema (ajv, with the description's own $refs). Used by github-rest.ts and
 * management-api.ts; nothing here is hand-written per endpoint.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: { type?: string; $ref?: string; items?: { type?: string } };
}
interface OperationObject {
  operationId: string;
  parameters?: (Parameter | { $ref: string })[];
  requestBody?: { required?: boolean; content: Record<string, unknown> };
  responses: Record<string, { content?: Record<string, unknown> } | { $ref: string }>;
}
interface Description {
  paths: Record<string, Record<string, OperationObject>>;
  components: { parameters: Record<string, Parameter> };
}

export interface MatchedOperation {
  operationId: string;
  /** The path template, e.g. /repos/{owner}/{repo}/issues */
  template: string;
  method: string;
  params: Record<string, string | number>;
  query: Record<string, unknown>;
  body: unknown;
}

export class InvalidRequest extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const pointer = (...parts: string[]) =>
  '#/' + parts.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');

export class OpenApiDescription {
  private readonly ajv: Ajv;
  private readonly routes: { re: RegExp; names: string[]; template: string }[];
  private readonly validators = new Map<string, ValidateFunction>();

  protected constructor(private readonly doc: Description) {
    this.ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false });
    addFormats(this.ajv);
    // The description is added whole, so its "#/components/..." references resolve inside it.
    this.ajv.addSchema({ $id: 'api', paths: doc.paths, components: doc.components } as object);
    this.routes = Object.keys(doc.paths).map((template) => {
      const names: string[] = [];
      const re = template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{([^}]+)\}/g, (_, n) => {
        names.push(n as string);
        return '([^/]+)';
      });
      return { re: new RegExp(`^${re}$`), names, template };
    });
  }

  /** An OpenAPI 3.0 description in a JSON file. */
  static async fromFile(file: string): Promise<OpenApiDescription> {
    const doc = JSON.parse(await readFile(file, 'utf8')) as unknown;
    return new OpenApiDescription(toJsonSchema(doc) as Description);
  }

  /** Throws InvalidRequest (422) unless `value` matches the schema at `ref` (a JSON pointer). */
  checkSchema(ref: string, value: unknown, what: string): void {
    this.check(ref, value, what);
  }

  private validator(ref: string): ValidateFunction {
    let v = this.validators.get(ref);
    if (!v) {
      v = this.ajv.compile({ $ref: `api${ref}` });
      this.validators.set(ref, v);
    }
    return v;
  }

  private check(ref: string, value: unknown, what: string): void {
    const v = this.validator(ref);
    if (!v(value)) {
      const errs = (v.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`);
      throw new InvalidRequest(422, `${what} does not match the description: ${errs.join('; ')}`);
    }
  }

  private parameter(p: Parameter | { $ref: string }): Parameter {
    return '$ref' in p ? this.doc.components.parameters[p.$ref.split('/').pop()!]! : p;
  }

  /**
   * Throws InvalidRequest (404, 405, 400, 422, 415) unless the request is one the description
   * defines. A non-JSON body of a content type the operation declares (multipart/form-data, an
   * eszip bundle) is left to the caller, which validates it (multipart fields with checkSchema).
   */
  match(method: string, url: URL, body: string, contentType = ''): MatchedOperation {
    const path = url.pathname;
    // Literal segments win over templated ones, as GitHub routes them.
    const found = this.routes
      .filter((r) => r.re.test(path))
      .sort((a, b) => a.names.length - b.names.length)[0];
    if (!found) throw new InvalidRequest(404, `no operation has the path ${path}`);
    const m = method.toLowerCase();
    const op = this.doc.paths[found.template]![m];
    if (!op) throw new InvalidRequest(405, `${method} is not an operation of ${found.template}`);
    const values = found.re.exec(path)!.slice(1).map(decodeURIComponent);
    const params: Record<string, string | number> = {};
    const query: Record<string, unknown> = {};
    const declared = (op.parameters ?? []).map((p) => this.parameter(p));
    const at = (p: Parameter) =>
      pointer('paths', found.template, m, 'parameters', String(declared.indexOf(p)));
    for (const p of declared) {
      const ref = (op.parameters ?? [])[declared.indexOf(p)]!;
      const schemaRef = '$ref' in ref ? `${ref.$ref}/schema` : `${at(p)}/schema`;
      let raw: string | undefined;
      if (p.in === 'path') raw = values[found.names.indexOf(p.name)];
      else if (p.in === 'query') raw = url.searchParams.get(p.name) ?? undefined;
      else continue;
      if (raw === undefined) {
        if (p.required) throw new InvalidRequest(400, `missing ${p.in} parameter ${p.name}`);
        continue;
      }
      const value = coerce(raw, p.schema?.type);
      this.check(schemaRef, value, `${p.in} parameter ${p.name}=${raw}`);
      if (p.in === 'path') params[p.name] = value as string | number;
      else query[p.name] = value;
    }
    for (const key of url.searchParams.keys()) {
      if (!declared.some((p) => p.in === 'query' && p.name === key))
        throw new InvalidRequest(400, `${op.operationId} has no query parameter ${key}`);
    }
    let parsed: unknown;
    if (op.requestBody) {
      if (body === '') {
        if (op.requestBody.required)
          throw new InvalidRequest(400, `${op.operationId} needs a request body`);
      } else if (
        contentType.split(';')[0]!.trim().toLowerCase() !== 'application/json' &&
        op.requestBody.content[contentType.split(';')[0]!.trim().toLowerCase()]
      ) {
        // A declared non-JSON body (multipart, an eszip bundle): the caller validates it.
        parsed = undefined;
      } else {
        if (!op.requestBody.content['application/json'])
          throw new InvalidRequest(415, `${op.operationId} takes no JSON body`);
        try {
          parsed = JSON.parse(body);
        } catch {
          throw new InvalidRequest(400, 'Problems parsing JSON');
        }
        const ref = pointer(
          'paths',
          found.template,
          m,
          'requestBody',
          'content',
          'application/json',
          'schema',
        );
        this.check(ref, parsed, `the body of ${op.operationId}`);
      }
    } else if (body !== '') {
      throw new InvalidRequest(400, `${op.operationId} takes no request body`);
    }
    return {
      operationId: op.operationId,
      template: found.template,
      method: m,
      params,
      query,
      body: parsed,
    };
  }

  /** Problems of a response the emulation sends (empty when it matches the description). */
  responseProblems(op: MatchedOperation, status: number, body: unknown): string[] {
    const responses = this.doc.paths[op.template]![op.method]!.responses;
    const r = responses[String(status)];
    if (!r) return [`${op.operationId} does not answer ${status}`];
    if ('$ref' in r || !r.content?.['application/json']) return [];
    const v = this.validator(
      pointer(
        'paths',
        op.template,
        op.method,
        'responses',
        String(status),
        'content',
        'application/json',
        'schema',
      ),
    );
    return v(body) ? [] : (v.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`);
  }
}

/** GitHub's REST API description, from @octokit/openapi. */
export class GitHubOpenApi extends OpenApiDescription {
  static async load(): Promise<OpenApiDescription> {
    const require = createRequire(import.meta.url);
    return OpenApiDescription.fromFile(
      require.resolve('@octokit/openapi/generated/api.github.com.json'),
    );
  }
}

function coerce(raw: string, type: string | undefined): unknown {
  if (type === 'integer' || type === 'number')
    return /^-?\d+(\.\d+)?$/.test(raw) ? Number(raw) : raw;
  if (type === 'boolean') return raw === 'true' ? true : raw === 'false' ? false : raw;
  return raw;
}

/**
 * OpenAPI 3.0's `nullable: true` as JSON Schema (which ajv validates): a null type added to
 * `type`, or, beside `oneOf`/`allOf`/`$ref`, an `anyOf` with null.
 */
function toJsonSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toJsonSchema);
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) out[k] = toJsonSchema(v);
  if (typeof out.nullable !== 'boolean') return out;
  const { nullable, ...rest } = out;
  if (!nullable) return rest;
  if (
    typeof rest.type === 'string' &&
    rest.enum === undefined &&
    Object.keys(rest).every((k) => !['oneOf', 'anyOf', 'allOf', '$ref'].includes(k))
  )
    return { ...rest, type: [rest.type, 'null'] };
  return { anyOf: [rest, { type: 'null' }] };
}
