import { AGENT_ID_PATTERN, AGENT_ID_RULE } from '../domain/agent-id.js';
import type { MeteredRoute } from '../domain/metered-route.js';
import type { ProviderName } from '../domain/provider-name.js';
import { meteredRoute } from '../providers/registry.js';
import { ProxyError } from './errors.js';

export type Route =
  | { kind: 'metered'; provider: ProviderName; route: MeteredRoute }
  | { kind: 'passthrough'; provider: ProviderName }
  | { kind: 'estimate' }
  | { kind: 'tasks' }
  | { kind: 'not_found' };

export interface ResolvedPath {
  /** Agent named by an `/agents/{id}/` prefix. */
  agentFromPath?: string;
  /** Path and query as forwarded upstream (prefix removed). */
  upstreamPath: string;
  /** Path without query. */
  pathname: string;
  route: Route;
}

/**
 * Classifies a request target. Only origin-form targets (`/path`) are accepted, and `.`/`..` segments
 * are refused, so nothing a client sends can steer the request to another host or outside `/v1/`.
 */
export function resolvePath(method: string, target: string): ResolvedPath {
  if (target.charCodeAt(0) !== 47 /* / */ || target.charCodeAt(1) === 47) {
    throw new ProxyError('invalid_path', 'request target must be a path starting with a single "/"');
  }
  const q = target.indexOf('?');
  let pathname = q === -1 ? target : target.slice(0, q);
  const query = q === -1 ? '' : target.slice(q);
  if (hasDotSegment(pathname) || pathname.includes('\\')) {
    throw new ProxyError('invalid_path', 'request path must not contain "." or ".." segments or backslashes');
  }
  let agentFromPath: string | undefined;
  if (pathname.startsWith('/agents/')) {
    const end = pathname.indexOf('/', 8);
    const id = decodeURIComponentSafe(end === -1 ? pathname.slice(8) : pathname.slice(8, end));
    if (!AGENT_ID_PATTERN.test(id)) throw new ProxyError('invalid_agent', `agent id in the path ${AGENT_ID_RULE}`);
    agentFromPath = id;
    pathname = end === -1 ? '/' : pathname.slice(end);
  }
  return { agentFromPath, pathname, upstreamPath: pathname + query, route: classify(method, pathname) };
}

/**
 * The provider whose error shape a request target gets, read without validating it, so a target that
 * `resolvePath` refuses (bad agent id, dot segments) still gets its error in the right format.
 */
export function providerOfTarget(target: string): ProviderName {
  let pathname = target.split('?')[0] ?? '';
  if (pathname.startsWith('/agents/')) {
    const end = pathname.indexOf('/', 8);
    pathname = end === -1 ? '/' : pathname.slice(end);
  }
  return pathname.startsWith('/v1/messages') ? 'anthropic' : 'openai';
}

function classify(method: string, pathname: string): Route {
  const trimmed = pathname.length > 1 && pathname.endsWith('/') ? pathname.slice(0, -1) : pathname;
  const metered = meteredRoute(trimmed);
  if (metered !== undefined && method === 'POST') return { kind: 'metered', ...metered };
  if (trimmed === '/token-ninja/v1/estimate') return { kind: 'estimate' };
  if (trimmed === '/token-ninja/v1/tasks') return { kind: 'tasks' };
  if (pathname.startsWith('/v1/messages')) return { kind: 'passthrough', provider: 'anthropic' };
  if (pathname.startsWith('/v1/')) return { kind: 'passthrough', provider: 'openai' };
  return { kind: 'not_found' };
}

function hasDotSegment(pathname: string): boolean {
  if (!pathname.includes('.') && !pathname.includes('%')) return false;
  return pathname.split('/').some((seg) => {
    const s = decodeURIComponentSafe(seg);
    return s === '.' || s === '..' || s.includes('/') || s.includes('\\');
  });
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new ProxyError('invalid_path', 'request path has an invalid percent-encoding');
  }
}
