/** Where the admin port may listen, and what to say about it at startup. */
export interface AdminBind {
  host: string;
  /** True when the admin API requires a bearer token. */
  authenticated: boolean;
  /** A startup warning to log (at warn level) when the admin API is open. */
  warning?: string;
}

const LOOPBACK = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1|\[::1\]|localhost)$/i;

/** True for a loopback host name or address. */
export function isLoopbackHost(host: string): boolean {
  return LOOPBACK.test(host);
}

/**
 * Decide the admin bind host. With a token, the configured host. Without one (unset or empty), the
 * admin API has no authentication, so it listens on loopback only whatever host was asked for.
 */
export function adminBindHost(options: { token?: string | undefined; host: string }): AdminBind {
  if (options.token !== undefined && options.token.length > 0) {
    return { host: options.host, authenticated: true };
  }
  const host = isLoopbackHost(options.host) ? options.host : '127.0.0.1';
  const ignored = host === options.host ? '' : ` (host ${options.host} ignored)`;
  return {
    host,
    authenticated: false,
    warning:
      `TOKEN_NINJA_ADMIN_TOKEN is not set: the admin API needs no token and listens on ${host} only${ignored}; ` +
      'set TOKEN_NINJA_ADMIN_TOKEN to expose it (and /metrics) beyond this machine',
  };
}
