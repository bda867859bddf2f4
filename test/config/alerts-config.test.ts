import { describe, expect, it } from 'vitest';
import { loadYaml as load, refusal as refused } from './yaml-config.js';

/** The `alerts` section (DESIGN §9): defaults, and one exact message per refused field. */

describe('alerts config', () => {
  it('is off unless configured; a webhook alone gets the documented defaults', () => {
    expect(load('port: 1').alerts).toBeUndefined();
    expect(load('alerts:\n  webhook: https://hooks.example/tn').alerts).toEqual({
      webhook: 'https://hooks.example/tn',
      thresholds: [0.8, 0.95, 1],
      throttledMinutes: 10,
      headers: {},
    });
  });

  it('keeps the webhook URL as given, allows fractional minutes and extra headers', () => {
    const alerts = load('alerts:\n  webhook: "https://hooks.example/x/?token=1"\n  throttledMinutes: 0.5\n  headers: {authorization: Bearer k}').alerts;
    expect(alerts).toMatchObject({ webhook: 'https://hooks.example/x/?token=1', throttledMinutes: 0.5, headers: { authorization: 'Bearer k' } });
  });

  it.each([
    ['alerts:\n  webhook: ftp://x/y', 'alerts.webhook', 'must be an http(s) URL'],
    ['alerts:\n  thresholds: [0.5]', 'alerts.webhook', 'Invalid input: expected string, received undefined'],
    ['alerts:\n  webhook: http://x/y\n  thresholds: [0.95, 0.8]', 'alerts.thresholds', 'must be strictly ascending'],
    ['alerts:\n  webhook: http://x/y\n  thresholds: [0.8, 0.8]', 'alerts.thresholds', 'must be strictly ascending'],
    ['alerts:\n  webhook: http://x/y\n  thresholds: [0, 1]', 'alerts.thresholds.0', 'Too small: expected number to be >0'],
    ['alerts:\n  webhook: http://x/y\n  thresholds: [1.2]', 'alerts.thresholds.0', 'Too big: expected number to be <=1'],
    ['alerts:\n  webhook: http://x/y\n  throttledMinutes: 0', 'alerts.throttledMinutes', 'Too small: expected number to be >0'],
    ['alerts:\n  webhook: http://x/y\n  headers: {"bad header": x}', 'alerts.headers.bad header', 'must be an HTTP header name'],
  ])('refuses %j', (yaml, field, why) => {
    expect(refused(yaml)).toEqual({ field, message: `config field "${field}" (from tn.yaml): ${why}` });
  });

  it('refuses an unknown key by name', () => {
    expect(refused('alerts:\n  webhook: http://x/y\n  retries: 3')).toEqual({ field: 'alerts.retries', message: 'unknown config key "alerts.retries" in "alerts"' });
  });
});
