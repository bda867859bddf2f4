import type { ConnectionOptions } from 'node:tls';
import { Pool, errors as undiciErrors } from 'undici';
import type { Config } from '../config/schema.js';
import type { ProviderName } from '../domain/provider-name.js';
import { ProxyError } from './errors.js';

/** A configured upstream: the only places the proxy ever forwards to. */
export interface Upstream {
  provider: ProviderName;
  /** Path prefix of the configured URL (e.g. `/base` in `http://host/base`), usually empty. */
  basePath: string;
  pool: Pool;
}

/** One keep-alive undici pool per upstream, sized (and HTTP/2 allowed) per upstream by config. */
export class Upstreams {
  private readonly byProvider: Record<ProviderName, Upstream>;

  /** `tls` adds to the TLS options of https upstreams (a private CA, say). */
  constructor(config: Pick<Config, 'openaiUrl' | 'anthropicUrl' | 'upstreamTimeoutMs' | 'upstreams'>, tls?: ConnectionOptions) {
    const make = (provider: ProviderName, url: string): Upstream => {
      const u = new URL(url);
      const { connections, allowH2 } = config.upstreams[provider];
      return {
        provider,
        basePath: u.pathname === '/' ? '' : u.pathname.replace(/\/+$/, ''),
        pool: new Pool(u.origin, {
          connections,
          allowH2,
          pipelining: 1,
          keepAliveTimeout: 30_000,
          headersTimeout: config.upstreamTimeoutMs,
          bodyTimeout: config.upstreamTimeoutMs,
          connectTimeout: Math.min(10_000, config.upstreamTimeoutMs),
          ...(tls !== undefined ? { connect: tls } : {}),
        }),
      };
    };
    this.byProvider = {
      openai: make('openai', config.openaiUrl),
      anthropic: make('anthropic', config.anthropicUrl),
    };
  }

  get(provider: ProviderName): Upstream {
    return this.byProvider[provider];
  }

  async close(): Promise<void> {
    await Promise.all(Object.values(this.byProvider).map((u) => u.pool.close()));
  }

  destroy(): void {
    for (const u of Object.values(this.byProvider)) void u.pool.destroy();
  }
}

/** Maps an undici failure to the proxy's 502/504 (DESIGN §3). */
export function upstreamFailure(err: unknown): ProxyError {
  if (
    err instanceof undiciErrors.HeadersTimeoutError ||
    err instanceof undiciErrors.BodyTimeoutError
  ) {
    return new ProxyError('upstream_timeout', 'the upstream did not answer in time', { cause: err });
  }
  return new ProxyError('upstream_unreachable', `the upstream could not be reached or its reply was unreadable (${describe(err)})`, { cause: err });
}

function describe(err: unknown): string {
  if (err && typeof err === 'object') {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return err instanceof Error ? err.name : 'error';
}
