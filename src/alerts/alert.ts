import type { AlertType } from '../domain/alert.js';

/** The JSON body POSTed to the webhook (README "Alerts"). */
export interface Alert {
  type: AlertType;
  /** `fleet`, `team:<name>` or `agent:<id>`. */
  scope: string;
  /** The cap's period id (a day or a month, as the caps module names it), or when the throttling began (ISO-8601). */
  period: string;
  /** The fraction of the limit crossed (cap alerts only). */
  threshold?: number;
  /** Cap alerts: usage so far in the period. Throttled alerts: minutes throttled so far. */
  used: number;
  /** Cap alerts: the cap's limit. Throttled alerts: `throttledMinutes`. */
  limit: number;
  /** When the alert was raised (ISO-8601). */
  at: string;
}

/** An alert waiting for delivery, with the claim that makes it at most once across a fleet. */
export interface PendingAlert {
  alert: Alert;
  /** Identifies the event in the store's claims. */
  claimKey: string;
  /** How long the claim holds (it must outlive the event's period). */
  claimTtlMs: number;
}
