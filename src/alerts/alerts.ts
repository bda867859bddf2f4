import type { AlertsConfig } from '../config/schema.js';
import type { AlertOutcome, AlertType } from '../domain/alert.js';
import { TokenNinjaError } from '../errors/errors.js';
import type { Store } from '../store/store.js';
import type { Logger } from '../telemetry/logger.js';
import type { Alert, PendingAlert } from './alert.js';
import { backoffMs, type BackoffPolicy } from './backoff.js';
import { CapThresholds, type CapObservation } from './cap-thresholds.js';
import { ThrottleWatcher } from './throttle-watcher.js';
import { Webhook } from './webhook.js';

/** How alerts are delivered; the defaults bound one alert to about 40 s of attempts. */
export interface AlertDelivery {
  /** Attempts per alert (claiming it, then POSTing it) before giving up. */
  maxAttempts: number;
  backoff: BackoffPolicy;
  /** Per POST attempt (ms). */
  timeoutMs: number;
  /** Alerts waiting beyond this are dropped (counted), so a dead webhook cannot grow memory. */
  maxQueued: number;
  /** A throttled agent not throttled again for this long is no longer throttled (ms). */
  throttleQuietMs: number;
  /** On stop, how long alerts still queued may take before they are abandoned (ms). */
  stopGraceMs: number;
}

export const DEFAULT_ALERT_DELIVERY: AlertDelivery = {
  maxAttempts: 5,
  backoff: { baseMs: 1000, maxMs: 30_000 },
  timeoutMs: 5000,
  maxQueued: 1000,
  throttleQuietMs: 60_000,
  stopGraceMs: 2000,
};

export interface AlertsDeps {
  config: AlertsConfig;
  /** Decides which proxy of a fleet sends an event. */
  store: Pick<Store, 'claimEvent'>;
  /** Counts each alert's outcome (`alerts_total`). */
  record: (type: AlertType, outcome: AlertOutcome) => void;
  logger: Logger;
  now?: () => number;
  /** Jitter source, [0, 1). */
  random?: () => number;
  delivery?: Partial<AlertDelivery>;
}

/** A cap claim outlives its period, so a proxy started late in the period finds it. */
const CAP_CLAIM_TTL_MS = { day: 2 * 86_400_000, month: 32 * 86_400_000 } as const;

/**
 * DESIGN §9 alerts. `observeCap` and `throttled` are synchronous and cheap (they run on the request path);
 * they only queue. A background loop claims each alert in the store (one proxy of a fleet wins; the others
 * count `duplicate`) and POSTs it with retries. The claim comes first: a proxy that dies between claiming
 * and delivering, or whose attempts all fail, loses that alert (`failed`) — at most once, never twice.
 */
export class Alerts {
  readonly #deps: AlertsDeps;
  readonly #delivery: AlertDelivery;
  readonly #now: () => number;
  readonly #random: () => number;
  readonly #webhook: Webhook;
  readonly #caps: CapThresholds;
  readonly #throttles: ThrottleWatcher;
  readonly #queue: PendingAlert[] = [];
  /** Cancels waits and in-flight POSTs on stop. */
  readonly #abort = new AbortController();
  #draining: Promise<void> | undefined;
  #stopping: Promise<void> | undefined;

  constructor(deps: AlertsDeps) {
    this.#deps = deps;
    this.#delivery = { ...DEFAULT_ALERT_DELIVERY, ...deps.delivery };
    this.#now = deps.now ?? Date.now;
    this.#random = deps.random ?? Math.random;
    this.#webhook = new Webhook({ url: deps.config.webhook, headers: deps.config.headers, timeoutMs: this.#delivery.timeoutMs });
    this.#caps = new CapThresholds(deps.config.thresholds);
    const thresholdMs = deps.config.throttledMinutes * 60_000;
    this.#throttles = new ThrottleWatcher({
      thresholdMs,
      quietMs: this.#delivery.throttleQuietMs,
      onLong: (agent, since, now) =>
        this.#enqueue({
          alert: {
            type: 'throttled',
            scope: `agent:${agent}`,
            period: new Date(since).toISOString(),
            used: Math.round((now - since) / 600) / 100,
            limit: deps.config.throttledMinutes,
            at: new Date(now).toISOString(),
          },
          // One per agent while the claim lasts: the proxies of a fleet see the same episode at about the same time.
          claimKey: claimKey('throttled', `agent:${agent}`),
          claimTtlMs: thresholdMs,
        }),
    });
  }

  /** The webhook URL as logs may show it (no userinfo, no query). */
  get webhook(): string {
    return this.#webhook.where;
  }

  /** A period cap was charged: queue one alert per threshold crossed since the last observation. */
  observeCap(obs: CapObservation): void {
    for (const threshold of this.#caps.crossed(obs)) {
      this.#enqueue({
        alert: { type: 'cap_threshold', scope: obs.scope, period: obs.periodId, threshold, used: obs.used, limit: obs.limit, at: new Date(obs.at).toISOString() },
        claimKey: claimKey('cap_threshold', obs.scope, obs.periodId, String(threshold)),
        claimTtlMs: CAP_CLAIM_TTL_MS[obs.period],
      });
    }
  }

  /** An agent was refused or had to wait for its budget at `now`. */
  throttled(agent: string, now: number): void {
    this.#throttles.throttled(agent, now);
  }

  /** Resolves once nothing is queued or being delivered. */
  async idle(): Promise<void> {
    while (this.#draining !== undefined) await this.#draining;
  }

  /** Give queued alerts `stopGraceMs`, then abandon the rest (counted `dropped`) and close the connections. */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      let timer: NodeJS.Timeout | undefined;
      const grace = new Promise<void>((resolve) => (timer = setTimeout(resolve, this.#delivery.stopGraceMs)));
      await Promise.race([this.idle(), grace]);
      clearTimeout(timer);
      this.#abort.abort();
      await this.idle();
      await this.#webhook.close();
    })();
    return this.#stopping;
  }

  #enqueue(pending: PendingAlert): void {
    if (this.#stopping !== undefined || this.#queue.length >= this.#delivery.maxQueued) {
      this.#finish(pending.alert, 'dropped');
      return;
    }
    this.#queue.push(pending);
    this.#kick();
  }

  /** Start the delivery loop unless it runs; it restarts itself for alerts queued while it was finishing. */
  #kick(): void {
    if (this.#draining !== undefined || this.#queue.length === 0) return;
    this.#draining = this.#drain().finally(() => {
      this.#draining = undefined;
      this.#kick();
    });
  }

  async #drain(): Promise<void> {
    for (let next = this.#queue.shift(); next !== undefined; next = this.#queue.shift()) {
      if (this.#abort.signal.aborted) this.#finish(next.alert, 'dropped');
      else this.#finish(next.alert, await this.#deliver(next));
    }
  }

  /** Claim, then POST; each with up to `maxAttempts` tries. Never throws. */
  async #deliver({ alert, claimKey, claimTtlMs }: PendingAlert): Promise<AlertOutcome> {
    const claimed = await this.#attempts(() => this.#deps.store.claimEvent(claimKey, this.#now(), claimTtlMs), alert, 'claim');
    if (claimed === undefined) return this.#abort.signal.aborted ? 'dropped' : 'store_unavailable';
    if (!claimed) return 'duplicate';
    const sent = await this.#attempts(() => this.#webhook.post(alert, this.#abort.signal).then(() => true), alert, 'post');
    if (sent) return 'sent';
    return this.#abort.signal.aborted ? 'dropped' : 'failed';
  }

  /** `fn`'s result, retried with backoff on failure; undefined once the attempts run out, or on stop. */
  async #attempts<T>(fn: () => Promise<T>, alert: Alert, step: 'claim' | 'post'): Promise<T | undefined> {
    const { maxAttempts, backoff } = this.#delivery;
    for (let attempt = 1; !this.#abort.signal.aborted; attempt++) {
      try {
        return await fn();
      } catch (err) {
        const last = attempt >= maxAttempts || this.#abort.signal.aborted;
        const fields = { alert: describe(alert), webhook: this.#webhook.where, step, attempt, err: errorFields(err) };
        if (last) {
          this.#deps.logger.warn(fields, 'alert not delivered');
          return undefined;
        }
        this.#deps.logger.info(fields, 'alert attempt failed; retrying');
        await this.#pause(backoffMs(attempt, backoff, this.#random));
      }
    }
    return undefined;
  }

  /** Waits `ms`, or less if stopped; never rejects. */
  #pause(ms: number): Promise<void> {
    const signal = this.#abort.signal;
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done);
    });
  }

  #finish(alert: Alert, outcome: AlertOutcome): void {
    this.#deps.record(alert.type, outcome);
    if (outcome === 'sent') this.#deps.logger.info({ alert: describe(alert), webhook: this.#webhook.where }, 'alert sent');
    else if (outcome === 'dropped') this.#deps.logger.warn({ alert: describe(alert) }, 'alert dropped: the delivery queue is full or the proxy is stopping');
  }
}

/** The store key of one event: scopes hold `:`, so fields are joined by a newline. */
function claimKey(...fields: string[]): string {
  return ['alert', ...fields].join('\n');
}

/** A failure as a log line shows it: its stable code where it has one. */
function errorFields(err: unknown): { code?: string; message: string } {
  if (err instanceof TokenNinjaError) return { code: err.code, message: err.message };
  return { message: err instanceof Error ? err.message : String(err) };
}

/** What a log line says about an alert. */
function describe(alert: Alert): Pick<Alert, 'type' | 'scope' | 'period' | 'threshold'> {
  return { type: alert.type, scope: alert.scope, period: alert.period, threshold: alert.threshold };
}
