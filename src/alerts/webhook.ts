import { Agent, request } from 'undici';
import { TokenNinjaError } from '../errors/errors.js';
import type { Alert } from './alert.js';

/** One delivery attempt failed: a non-2xx answer, no answer within the timeout, or no connection. */
export class AlertDeliveryError extends TokenNinjaError {
  declare readonly code: 'alert_delivery_failed';

  constructor(message: string, options?: { cause?: unknown }) {
    super('alert_delivery_failed', 502, message, options);
  }
}

export interface WebhookOptions {
  url: string;
  /** Sent with every POST (an authorization header, say). */
  headers: Readonly<Record<string, string>>;
  /** Per attempt: connect, answer and body together (ms). */
  timeoutMs: number;
}

/** POSTs alerts to the operator's webhook, one attempt per call, on a connection pool of its own. */
export class Webhook {
  /** The URL without userinfo or query, for logs. */
  readonly where: string;
  readonly #options: WebhookOptions;
  readonly #agent: Agent;

  constructor(options: WebhookOptions) {
    this.#options = options;
    this.where = redactUrl(options.url);
    this.#agent = new Agent({ connectTimeout: options.timeoutMs, headersTimeout: options.timeoutMs, bodyTimeout: options.timeoutMs });
  }

  /** One attempt; resolves on a 2xx answer, else throws `AlertDeliveryError`. `signal` cancels it. */
  async post(alert: Alert, signal?: AbortSignal): Promise<void> {
    const timeout = AbortSignal.timeout(this.#options.timeoutMs);
    let status: number;
    try {
      const res = await request(this.#options.url, {
        method: 'POST',
        dispatcher: this.#agent,
        headers: { ...this.#options.headers, 'content-type': 'application/json' },
        body: JSON.stringify(alert),
        signal: signal === undefined ? timeout : AbortSignal.any([signal, timeout]),
      });
      status = res.statusCode;
      // Read the answer to the end so the connection can be reused; its content does not matter.
      await res.body.dump();
    } catch (err) {
      throw new AlertDeliveryError(`the alert webhook ${this.where} failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
    if (status < 200 || status >= 300) throw new AlertDeliveryError(`the alert webhook ${this.where} answered ${status}`);
  }

  /** Drop every connection, in-flight attempts included. */
  async close(): Promise<void> {
    await this.#agent.destroy();
  }
}

/** `scheme://host[:port]/path`: userinfo and query often carry secrets, so logs never see them. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return 'an unparseable URL';
  }
}
