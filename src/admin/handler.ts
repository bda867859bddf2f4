import type { UnitName } from '../domain/unit.js';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { z } from 'zod';
import { TokenNinjaError } from '../errors/errors.js';
import type { Logger } from '../telemetry/logger.js';
import type { Metrics } from '../telemetry/metrics.js';
import { BearerAuth } from './auth.js';
import type { AdminBackend, OverrideRequest } from './backend.js';
import { AdminError } from './errors.js';
import { DEFAULT_ADMIN_MAX_BODY_BYTES, readJsonBody } from './json-body.js';
import { AUTH_PLACEHOLDER, STATUS_PAGE_HTML } from './page/html.js';
import { STATUS_PAGE_SCRIPT } from './page/script.js';
import { STATUS_PAGE_STYLE } from './page/style.js';
import { AGENT_ID_PATTERN, AGENT_ID_RULE } from '../domain/agent-id.js';
import { AUDIT_ENTRIES_KEPT } from '../domain/audit.js';
import { adminTaskBodySchema, agentPolicyBodySchema, overrideBodySchema } from './schemas.js';

export interface AdminHandlerOptions {
  /** Bearer token for /v1/*; unset or empty means no authentication (bind to loopback: see adminBindHost). */
  token?: string | undefined;
  metrics: Metrics;
  logger: Logger;
  /** Largest request body accepted (default 64 KiB). */
  maxBodyBytes?: number;
  /** Clock for turning ttlSeconds into expiresAt (default Date.now). */
  now?: () => number;
  /** The budget's unit: which rate an override gives (default tokens). */
  unit?: UnitName;
}

/** Entries `GET /v1/audit` answers without `?limit`. */
const DEFAULT_AUDIT_LIMIT = 100;

/** Where the status page's assets are served. */
export const STATUS_PAGE_PATHS = { page: '/', script: '/status.js', style: '/status.css' } as const;

/** Security headers for the page: everything from this origin, nothing inline, nothing external. */
const PAGE_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; " +
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
};

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';
type Handle = (ctx: RouteContext) => Promise<void>;

interface RouteContext {
  req: IncomingMessage;
  res: ServerResponse;
  /** Decoded and validated agent id, for routes with `{id}`. */
  agent: string;
}

/**
 * The admin port's request listener (DESIGN §4): /metrics, /healthz, /readyz and the status page
 * without a token; /v1/* behind `authorization: Bearer <token>` when a token is configured.
 */
export function createAdminHandler(backend: AdminBackend, options: AdminHandlerOptions): RequestListener {
  const auth = options.token ? new BearerAuth(options.token) : undefined;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_ADMIN_MAX_BODY_BYTES;
  const now = options.now ?? Date.now;
  const unit = options.unit ?? 'tokens';
  const { metrics, logger } = options;
  // The page learns from its markup whether to ask for a token, so it never fires a request bound to fail.
  const pageHtml = STATUS_PAGE_HTML.replace(AUTH_PLACEHOLDER, auth ? 'required' : 'none');

  const open: Record<string, Partial<Record<Method, Handle>>> = {
    [STATUS_PAGE_PATHS.page]: { GET: async ({ res }) => asset(res, 'text/html; charset=utf-8', pageHtml) },
    [STATUS_PAGE_PATHS.script]: {
      GET: async ({ res }) => asset(res, 'text/javascript; charset=utf-8', STATUS_PAGE_SCRIPT),
    },
    [STATUS_PAGE_PATHS.style]: { GET: async ({ res }) => asset(res, 'text/css; charset=utf-8', STATUS_PAGE_STYLE) },
    '/metrics': {
      GET: async ({ res }) => {
        const body = await metrics.exposition();
        res.writeHead(200, { 'content-type': metrics.contentType, 'cache-control': 'no-store' });
        res.end(body);
      },
    },
    '/healthz': { GET: async ({ res }) => json(res, 200, await backend.health()) },
    '/readyz': {
      GET: async ({ res }) => {
        const state = await backend.ready();
        json(res, state.ready ? 200 : 503, state);
      },
    },
  };

  const api: Record<string, Partial<Record<Method, Handle>>> = {
    '/v1/allocations': { GET: async ({ res }) => json(res, 200, await backend.allocations()) },
    '/v1/teams': { GET: async ({ res }) => json(res, 200, await backend.teams()) },
    '/v1/history': { GET: async ({ res }) => json(res, 200, await backend.history()) },
    '/v1/caps': { GET: async ({ res }) => json(res, 200, await backend.caps()) },
    '/v1/agents/{id}': {
      GET: async ({ res, agent }) => {
        const view = await backend.agent(agent);
        if (!view) throw new AdminError('not_found', `unknown agent ${agent}`);
        json(res, 200, view);
      },
    },
    '/v1/agents/{id}/policy': {
      PUT: async ({ req, res, agent }) => {
        const body = validate(agentPolicyBodySchema, await readJsonBody(req, maxBodyBytes));
        const view = await backend.setAgentPolicy(agent, body, clientOf(req));
        logger.info({ agent, policy: body }, 'admin: agent policy set');
        json(res, 200, view);
      },
      DELETE: async ({ req, res, agent }) => {
        if (!(await backend.deleteAgentPolicy(agent, clientOf(req)))) throw new AdminError('not_found', `no runtime policy for ${agent}`);
        logger.info({ agent }, 'admin: agent policy deleted');
        res.writeHead(204, { 'cache-control': 'no-store' });
        res.end();
      },
    },
    '/v1/tasks': {
      POST: async ({ req, res }) => {
        const raw = await readJsonBody(req, maxBodyBytes);
        if (isObject(raw) && typeof raw.agent === 'string' && !AGENT_ID_PATTERN.test(raw.agent)) {
          throw new AdminError('invalid_agent', `agent ${AGENT_ID_RULE}`);
        }
        const body = validate(adminTaskBodySchema, raw);
        const { duplicate, replaced } = await backend.recordTask(body);
        json(res, 202, { accepted: true, duplicate, replaced });
      },
    },
    '/v1/overrides/{id}': {
      PUT: async ({ req, res, agent }) => {
        const body = validate(overrideBodySchema, await readJsonBody(req, maxBodyBytes));
        // One instant for the set time and the TTL's start, so an expiry is exactly setAt + ttl.
        const at = now();
        const rate = unit === 'usd' ? body.usdPerMinute : body.tokensPerMinute;
        if (rate === undefined) throw new AdminError('invalid_body', `${unit === 'usd' ? 'usdPerMinute' : 'tokensPerMinute'}: required (the budget's unit is ${unit})`);
        const request: OverrideRequest = { tokensPerMinute: rate, setAt: at };
        if (body.expiresAt !== undefined) {
          request.expiresAt = Date.parse(body.expiresAt);
          if (request.expiresAt <= at) throw new AdminError('invalid_body', 'expiresAt: is in the past');
        } else if (body.ttlSeconds !== undefined) {
          request.expiresAt = at + Math.round(body.ttlSeconds * 1000);
        }
        if (body.reason !== undefined) request.reason = body.reason;
        const view = await backend.setOverride(agent, request, clientOf(req));
        logger.info({ agent, override: request }, 'admin: override set');
        json(res, 200, view);
      },
      DELETE: async ({ req, res, agent }) => {
        if (!(await backend.deleteOverride(agent, clientOf(req)))) throw new AdminError('not_found', `no override for ${agent}`);
        logger.info({ agent }, 'admin: override deleted');
        res.writeHead(204, { 'cache-control': 'no-store' });
        res.end();
      },
    },
    // The reloader logs the outcome (also for SIGHUP), so this route does not.
    '/v1/config/reload': { POST: async ({ req, res }) => json(res, 200, await backend.reloadConfig(clientOf(req))) },
    '/v1/audit': { GET: async ({ req, res }) => json(res, 200, await backend.audit(auditLimit(req.url))) },
    '/v1/reallocate': {
      POST: async ({ res }) => {
        const table = await backend.reallocate();
        logger.info({ tick: table.tick }, 'admin: reallocated on request');
        json(res, 200, table);
      },
    },
  };

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = pathOf(req.url);
    const isApi = path === '/v1' || path.startsWith('/v1/');
    if (isApi && auth) {
      const result = auth.check(req.headers.authorization);
      if (result === 'missing') {
        res.setHeader('www-authenticate', 'Bearer realm="token-ninja-admin"');
        throw new AdminError('unauthorized', 'authorization: Bearer <token> required');
      }
      if (result === 'wrong') throw new AdminError('forbidden', 'admin token does not match');
    }
    const { pattern, agent } = matchRoute(path);
    const methods = (isApi ? api : open)[pattern];
    if (!methods) throw new AdminError('not_found', `no route ${path}`);
    const method = (req.method === 'HEAD' ? 'GET' : req.method) as Method;
    const handle = methods[method];
    if (!handle) {
      res.setHeader('allow', Object.keys(methods).join(', '));
      throw new AdminError('method_not_allowed', `${req.method ?? '?'} not allowed on ${path}`);
    }
    await handle({ req, res, agent });
  }

  return (req, res) => {
    route(req, res).catch((err: unknown) => {
      if (res.headersSent) {
        logger.error({ err, url: pathOf(req.url) }, 'admin: failed after the response started');
        res.destroy();
        return;
      }
      if (err instanceof TokenNinjaError) {
        if (err.status >= 500) logger.error({ err }, 'admin: request failed');
        if (err.code === 'body_too_large') res.setHeader('connection', 'close');
        json(res, err.status, { error: { code: err.code, message: err.message } });
        return;
      }
      logger.error({ err, url: pathOf(req.url) }, 'admin: internal error');
      json(res, 500, { error: { code: 'internal', message: 'internal error' } });
    });
  };
}

/** Who made an admin change, for the audit trail: the client's address as the socket saw it. */
function clientOf(req: IncomingMessage): string {
  return req.socket.remoteAddress ?? 'unknown';
}

/** `?limit=N` of `GET /v1/audit`: 1 to the entries kept, default 100. */
function auditLimit(url: string | undefined): number {
  const raw = new URL(url ?? '/', 'http://admin').searchParams.get('limit');
  if (raw === null) return DEFAULT_AUDIT_LIMIT;
  const limit = Number(raw);
  if (!/^\d+$/.test(raw) || limit < 1 || limit > AUDIT_ENTRIES_KEPT) {
    throw new AdminError('invalid_query', `limit: must be a whole number from 1 to ${AUDIT_ENTRIES_KEPT}, got "${raw}"`);
  }
  return limit;
}

/** The path of a request URL, without query string. */
function pathOf(url: string | undefined): string {
  const raw = url ?? '/';
  const q = raw.indexOf('?');
  return q === -1 ? raw : raw.slice(0, q);
}

/** Map `/v1/agents/x`, `/v1/agents/x/policy` and `/v1/overrides/x` to their patterns, validating the id. */
function matchRoute(path: string): { pattern: string; agent: string } {
  const m = /^\/v1\/(agents|overrides)\/([^/]+)(\/policy)?$/.exec(path);
  if (!m?.[1] || m[2] === undefined || (m[3] !== undefined && m[1] !== 'agents')) return { pattern: path, agent: '' };
  let agent: string;
  try {
    agent = decodeURIComponent(m[2]);
  } catch {
    throw new AdminError('invalid_agent', 'agent id is not valid percent-encoding');
  }
  if (!AGENT_ID_PATTERN.test(agent)) throw new AdminError('invalid_agent', `agent id ${AGENT_ID_RULE}`);
  return { pattern: `/v1/${m[1]}/{id}${m[3] ?? ''}`, agent };
}

function validate<S extends z.ZodType>(schema: S, raw: unknown): z.infer<S> {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const message = parsed.error.issues
    .map((i) => `${i.path.length > 0 ? i.path.join('.') : 'body'}: ${i.message}`)
    .join('; ');
  throw new AdminError('invalid_body', message);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  res.end(text);
}

function asset(res: ServerResponse, contentType: string, body: string): void {
  res.writeHead(200, {
    ...PAGE_HEADERS,
    'content-type': contentType,
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-cache',
  });
  res.end(body);
}
