import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { METRIC_NAMES } from '../../src/telemetry/metrics.js';

const doc = readFileSync(new URL('../../docs/observability.md', import.meta.url), 'utf8');

describe('docs/observability.md', () => {
  it('documents every metric in the metrics table', () => {
    for (const name of METRIC_NAMES) expect(doc, name).toContain(`| \`${name}\` |`);
  });
});
