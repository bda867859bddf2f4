import { Writable } from 'node:stream';
import { Alerts, type AlertDelivery } from '../../src/alerts/alerts.js';
import type { AlertsConfig } from '../../src/config/schema.js';
import type { AlertOutcome, AlertType } from '../../src/domain/alert.js';
import type { Store } from '../../src/store/store.js';
import { createLogger } from '../../src/telemetry/logger.js';

/** Short waits, so retries run in milliseconds. */
export const FAST: Partial<AlertDelivery> = { maxAttempts: 5, backoff: { baseMs: 5, maxMs: 20 }, timeoutMs: 1000, stopGraceMs: 200 };

/** An `Alerts` with its outcomes and log lines captured. */
export interface AlertsUnderTest {
  alerts: Alerts;
  outcomes: Array<{ type: AlertType; outcome: AlertOutcome }>;
  rawLogs: () => string;
}

export function alertsFor(
  store: Pick<Store, 'claimEvent'>,
  config: Partial<AlertsConfig> & { webhook: string },
  delivery: Partial<AlertDelivery> = FAST,
): AlertsUnderTest {
  const outcomes: AlertsUnderTest['outcomes'] = [];
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(chunk.toString('utf8'));
      cb();
    },
  });
  const alerts = new Alerts({
    config: { thresholds: [0.8, 0.95, 1], throttledMinutes: 10, headers: {}, ...config },
    store,
    record: (type, outcome) => outcomes.push({ type, outcome }),
    logger: createLogger({ level: 'info', destination }),
    random: () => 0.5,
    delivery,
  });
  return { alerts, outcomes, rawLogs: () => lines.join('') };
}
