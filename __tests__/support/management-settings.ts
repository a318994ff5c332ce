/**
 * The settings operations of the emulated Management API (management-api.ts): each section's
 * GET and its update, on the project's in-memory settings; function secrets listed as the API
 * lists them (name and the SHA-256 of the value).
 */
import { createHash } from 'node:crypto';
import type { EmulatedProject } from './management-api.js';
import type { MatchedOperation } from './openapi.js';

type Out = { status: number; body?: unknown };

/** The answer to a settings operation, or undefined when `op` is not one. */
export function serveSettings(op: MatchedOperation, p: EmulatedProject): Out | undefined {
  const s = p.settings;
  const merge = (key: string, body: unknown) => {
    s[key] = { ...(s[key] as object), ...(body as object) };
    return s[key];
  };
  switch (op.operationId) {
    case 'v1-get-auth-service-config':
      return { status: 200, body: s.auth };
    case 'v1-update-auth-service-config':
      return { status: 200, body: merge('auth', op.body) };
    case 'v1-get-postgrest-service-config':
      return { status: 200, body: s.postgrest };
    case 'v1-update-postgrest-service-config': {
      // The update answers without the JWT secret (V1PostgrestConfigResponse).
      const updated = { ...(merge('postgrest', op.body) as Record<string, unknown>) };
      delete updated.jwt_secret;
      return { status: 200, body: updated };
    }
    case 'v1-get-storage-config':
      return { status: 200, body: s.storage };
    case 'v1-update-storage-config':
      merge('storage', op.body);
      return { status: 200 };
    case 'v1-get-realtime-config':
      return { status: 200, body: s.realtime };
    case 'v1-update-realtime-config':
      merge('realtime', op.body);
      return { status: 204 };
    case 'v1-get-pooler-config':
      return { status: 200, body: s.pooler };
    case 'v1-update-pooler-config': {
      const pooler = s.pooler as Record<string, unknown>[];
      Object.assign(pooler[0]!, op.body);
      return {
        status: 200,
        body: {
          default_pool_size: pooler[0]!.default_pool_size,
          pool_mode: pooler[0]!.pool_mode,
        },
      };
    }
    case 'v1-get-network-restrictions':
      return { status: 200, body: s.network_restrictions };
    case 'v1-update-network-restrictions': {
      (s.network_restrictions as Record<string, unknown>).config = op.body;
      return { status: 201, body: s.network_restrictions };
    }
    case 'v1-get-ssl-enforcement-config':
      return { status: 200, body: s.ssl_enforcement };
    case 'v1-update-ssl-enforcement-config': {
      const requested = (op.body as { requestedConfig: { database: boolean } }).requestedConfig;
      s.ssl_enforcement = { currentConfig: requested, appliedSuccessfully: true };
      return { status: 200, body: s.ssl_enforcement };
    }
    case 'v1-get-hostname-config':
      return s.custom_hostname
        ? { status: 200, body: s.custom_hostname }
        : {
            status: 200,
            body: {
              status: '1_not_started',
              custom_hostname: '',
              data: { success: true, errors: [], messages: [], result: {} },
            },
          };
    case 'v1-list-all-secrets':
      return {
        status: 200,
        body: Object.entries(p.secrets).map(([name, v]) => ({
          name,
          value: createHash('sha256').update(v).digest('hex'),
          updated_at: '2026-12-01T00:00:00Z',
        })),
      };
    default:
      return undefined;
  }
}
