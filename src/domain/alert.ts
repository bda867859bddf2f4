/** What an alert is about (DESIGN §9): a period cap crossing a threshold, or an agent throttled too long. */
export type AlertType = 'cap_threshold' | 'throttled';

/**
 * What became of one alert: `sent` (the webhook answered 2xx), `failed` (every attempt failed; not sent),
 * `duplicate` (another proxy, or an earlier run, already claimed it), `dropped` (the delivery queue was full),
 * `store_unavailable` (the store could not be asked who sends it; not sent, so never twice).
 */
export type AlertOutcome = 'sent' | 'failed' | 'duplicate' | 'dropped' | 'store_unavailable';
