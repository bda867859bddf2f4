import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ADMIN_ERROR_CODES } from '../../src/admin/errors.js';
import { ENV_VARS } from '../../src/config/env.js';
import { PROXY_ERROR_CODES } from '../../src/proxy/errors.js';
import { STORE_ERROR_CODES } from '../../src/store/store-errors.js';
import { METRIC_NAMES } from '../../src/telemetry/metrics.js';

// The README is the user's contract: these tests fail when a code, env var or metric is added without docs.
const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

describe('README', () => {
  it.each(Object.keys(PROXY_ERROR_CODES))('documents proxy error code %s', (code) => {
    expect(readme).toContain(`\`${code}\``);
  });
  it.each(Object.keys(ADMIN_ERROR_CODES))('documents admin error code %s', (code) => {
    expect(readme).toContain(`\`${code}\``);
  });
  it.each(Object.keys(STORE_ERROR_CODES))('documents store error code %s', (code) => {
    expect(readme).toContain(`\`${code}\``);
  });
  it.each(Object.keys(ENV_VARS))('documents env var %s', (name) => {
    expect(readme).toContain(`\`${name}\``);
  });
  it.each(METRIC_NAMES)('documents metric %s', (name) => {
    expect(readme).toContain(`\`${name}\``);
  });
  it('documents every x-token-ninja request header the proxy parses', () => {
    for (const h of ['agent', 'priority', 'deadline', 'task', 'task-type', 'blocking']) expect(readme).toContain(`\`x-token-ninja-${h}\``);
  });
});
