import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { HISTOGRAM_NAMES, Metrics } from '../../src/telemetry/metrics.js';
import { promtool } from './promtool.js';
import { dashboardExprs } from './dashboard-exprs.js';

const root = new URL('../../', import.meta.url);
const PROMETHEUS_CONFIG = new URL('deploy/prometheus/prometheus.yml', root);
const DASHBOARD = new URL('deploy/grafana/dashboards/token-ninja.json', root);


/** Series names a Metrics instance exports, histogram series included. */
async function exportedSeriesNames(): Promise<Set<string>> {
  const text = await new Metrics().exposition();
  const names = new Set<string>();
  for (const line of text.split('\n')) {
    const m = /^# TYPE (\S+) (\S+)/.exec(line);
    if (!m?.[1]) continue;
    names.add(m[1]);
    if (m[2] === 'histogram' || m[2] === 'summary') for (const s of ['_bucket', '_sum', '_count']) names.add(m[1] + s);
  }
  for (const h of HISTOGRAM_NAMES) expect(names.has(`${h}_bucket`), h).toBe(true);
  return names;
}

describe('deploy/prometheus', () => {
  it('passes promtool check config', () => {
    const result = promtool(['check', 'config', PROMETHEUS_CONFIG.pathname]);
    expect(result.output).toContain('SUCCESS');
    expect(result.status).toBe(0);
  });

  it("scrapes the admin port's /metrics", () => {
    const text = readFileSync(PROMETHEUS_CONFIG, 'utf8');
    expect(text).toContain('token-ninja:8081');
    expect(text).toContain('metrics_path: /metrics');
  });
});

describe('deploy/grafana dashboard', () => {
  const dashboard: unknown = JSON.parse(readFileSync(DASHBOARD, 'utf8'));
  const all = dashboardExprs(dashboard);

  it('has panels with expressions for what operators need', () => {
    expect(all.length).toBeGreaterThan(10);
    const joined = all.join('\n');
    for (const needed of [
      'token_ninja_allocation_tokens',
      'token_ninja_tokens_total',
      'outcome=~"queued|rejected"',
      'token_ninja_burst_pool_tokens',
      'histogram_quantile(0.99, sum by (le) (rate(token_ninja_proxy_overhead_seconds_bucket',
      'token_ninja_upstream_duration_seconds_bucket',
      'token_ninja_estimate_error_ratio_bucket',
      'sum by (team) (max by (agent, team) (token_ninja_allocation_tokens))',
    ]) {
      expect(joined).toContain(needed);
    }
  });

  it('names only metrics the proxy exports', async () => {
    const exported = await exportedSeriesNames();
    for (const expr of all) {
      const names = expr.match(/\btoken_ninja_[a-z0-9_]+/g) ?? [];
      expect(names.length, expr).toBeGreaterThan(0);
      for (const n of names) expect(exported.has(n), `${n} in ${expr}`).toBe(true);
    }
  });

  it('has expressions that parse as PromQL (promtool check rules)', () => {
    // Grafana's variables are substituted the way Grafana would before the query reaches Prometheus.
    const rules = all.map((expr, i) => ({
      record: `dashboard:expr_${i}`,
      expr: expr.replaceAll('$__rate_interval', '5m').replaceAll('$agent', '.*'),
    }));
    const dir = mkdtempSync(join(tmpdir(), 'token-ninja-rules-'));
    try {
      const file = join(dir, 'rules.yml');
      writeFileSync(file, stringify({ groups: [{ name: 'dashboard', rules }] }));
      const result = promtool(['check', 'rules', file]);
      expect(result.output).toContain('SUCCESS');
      expect(result.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
