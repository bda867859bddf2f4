import { Script } from 'node:vm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ADMIN_ERROR_CODES } from '../../src/admin/errors.js';
import { STATUS_PAGE_SCRIPT } from '../../src/admin/page/script.js';
import { startAdmin, type AdminServer } from './admin-server.js';
import { Metrics } from '../../src/telemetry/metrics.js';
import { promtool } from '../telemetry/promtool.js';
import { recordRealisticTraffic } from '../telemetry/realistic-traffic.js';
import { FakeBackend } from './fake-backend.js';

const TOKEN = 'admin-secret-token-123';
const AUTH = { authorization: `Bearer ${TOKEN}` };

interface ErrorBody {
  error: { code: string; message: string };
}

async function expectError(res: Response, status: number, code: keyof typeof ADMIN_ERROR_CODES): Promise<ErrorBody> {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toContain('application/json');
  const body = (await res.json()) as ErrorBody;
  expect(body.error.code).toBe(code);
  expect(typeof body.error.message).toBe('string');
  expect(ADMIN_ERROR_CODES[code]).toBe(status);
  return body;
}

describe('admin handler with a token', () => {
  let backend: FakeBackend;
  let admin: AdminServer;
  const call = (path: string, init: RequestInit = {}): Promise<Response> =>
    fetch(admin.url + path, { ...init, headers: { ...AUTH, ...(init.headers as Record<string, string>) } });
  const send = (method: string, path: string, body: unknown): Promise<Response> =>
    call(path, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  beforeEach(async () => {
    backend = new FakeBackend();
    admin = await startAdmin(backend, { token: TOKEN, now: () => backend.now });
  });
  afterEach(async () => {
    await admin.close();
  });

  describe('open routes', () => {
    it('serves /metrics without a token', async () => {
      admin.metrics.recordRequest('planner', '/v1/messages', 'forwarded');
      const res = await fetch(`${admin.url}/metrics`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/plain');
      const text = await res.text();
      expect(text).toContain('token_ninja_requests_total{agent="planner",team="default",route="/v1/messages",outcome="forwarded"} 1');
    });

    it('serves a /metrics that passes promtool check metrics after traffic', async () => {
      const served = await startAdmin(backend, { token: TOKEN, metrics: new Metrics() });
      try {
        recordRealisticTraffic(served.metrics);
        const text = await (await fetch(`${served.url}/metrics`)).text();
        const result = promtool(['check', 'metrics'], text);
        expect(result.output).toBe('');
        expect(result.status).toBe(0);
      } finally {
        await served.close();
      }
    });

    it('answers /healthz and /readyz, 503 with the reason when not ready', async () => {
      const health = await fetch(`${admin.url}/healthz`);
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({ status: 'ok' });
      expect((await fetch(`${admin.url}/readyz`)).status).toBe(200);
      backend.readyState = { ready: false, reason: 'draining' };
      const res = await fetch(`${admin.url}/readyz`);
      expect(res.status).toBe(503);
      expect(await res.json()).toEqual({ ready: false, reason: 'draining' });
    });

    it('serves the status page and its assets without a token, with a strict CSP', async () => {
      const page = await fetch(`${admin.url}/`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toContain('text/html');
      expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
      const html = await page.text();
      expect(html).toContain('data-auth="required"');
      expect(html).not.toMatch(/https?:\/\//); // air-gapped: nothing external
      const js = await fetch(`${admin.url}/status.js`);
      expect(js.headers.get('content-type')).toContain('text/javascript');
      expect(await js.text()).toBe(STATUS_PAGE_SCRIPT);
      const css = await fetch(`${admin.url}/status.css`);
      expect(css.headers.get('content-type')).toContain('text/css');
      expect((await fetch(`${admin.url}/nope`)).status).toBe(404);
    });

    it('refuses other methods on open routes with 405 and an allow header', async () => {
      const res = await fetch(`${admin.url}/metrics`, { method: 'DELETE' });
      await expectError(res, 405, 'method_not_allowed');
      expect(res.headers.get('allow')).toBe('GET');
    });
  });

  describe('authentication', () => {
    it('401 without a token, 401 for another scheme, 403 for a wrong token, 200 for the right one', async () => {
      const none = await fetch(`${admin.url}/v1/allocations`);
      await expectError(none, 401, 'unauthorized');
      expect(none.headers.get('www-authenticate')).toContain('Bearer');
      await expectError(
        await fetch(`${admin.url}/v1/allocations`, { headers: { authorization: `Basic ${TOKEN}` } }),
        401,
        'unauthorized',
      );
      await expectError(
        await fetch(`${admin.url}/v1/allocations`, { headers: { authorization: 'Bearer wrong' } }),
        403,
        'forbidden',
      );
      await expectError(
        await fetch(`${admin.url}/v1/allocations`, { headers: { authorization: `Bearer ${TOKEN}x` } }),
        403,
        'forbidden',
      );
      const ok = await fetch(`${admin.url}/v1/allocations`, { headers: { authorization: `bearer ${TOKEN}` } });
      expect(ok.status).toBe(200);
    });

    it('checks the token before revealing whether a route exists', async () => {
      await expectError(await fetch(`${admin.url}/v1/does-not-exist`), 401, 'unauthorized');
      await expectError(await call('/v1/does-not-exist'), 404, 'not_found');
    });

    it('never logs the token', async () => {
      await fetch(`${admin.url}/v1/allocations`, { headers: { authorization: 'Bearer wrong' } });
      await send('PUT', '/v1/overrides/planner', { tokensPerMinute: 5 });
      expect(admin.logs.length).toBeGreaterThan(0);
      expect(admin.logs.join('')).not.toContain(TOKEN);
    });
  });

  describe('endpoints', () => {
    it('GET /v1/allocations returns the table', async () => {
      const res = await call('/v1/allocations');
      expect(res.status).toBe(200);
      const body = (await res.json()) as { tick: number; pool: number; burst: unknown; agents: { agent: string }[] };
      expect(body).toMatchObject({ pool: 500_000, burst: { capacity: 50_000 } });
      expect(body.agents.map((a) => a.agent)).toEqual(['planner', 'coder', 'reviewer']);
    });

    it('GET /v1/teams returns the teams, behind the token', async () => {
      await expectError(await fetch(`${admin.url}/v1/teams`), 401, 'unauthorized');
      backend.addAgent('web-1', 10_000, 1, 'search');
      backend.costs.set('web-1', { usdToday: 0.25, usdThisMonth: 4 });
      const res = await call('/v1/teams');
      expect(res.status).toBe(200);
      const body = (await res.json()) as { pool: number; teams: { team: string; agents: string[]; allocation: number; usdToday: number; usdThisMonth: number }[] };
      expect(body.pool).toBe(500_000);
      expect(body.teams.map((t) => [t.team, t.agents])).toEqual([
        ['default', ['planner', 'coder', 'reviewer']],
        ['search', ['web-1']],
      ]);
      expect(body.teams[1]?.allocation).toBe(10_000);
      expect(body.teams.map((t) => [t.team, t.usdToday, t.usdThisMonth])).toEqual([
        ['default', 0, 0],
        ['search', 0.25, 4],
      ]);
    });

    it('GET /v1/agents/{id}: 200 known, 404 unknown, 400 invalid id', async () => {
      backend.costs.set('planner', { usdToday: 0.5, usdThisMonth: 12.5 });
      const res = await call('/v1/agents/planner');
      expect(res.status).toBe(200);
      const body = (await res.json()) as { agent: string; history: unknown[]; explanation: { boundBy: string }; cost: unknown };
      expect(body.agent).toBe('planner');
      expect(body.cost).toEqual({ usdToday: 0.5, usdThisMonth: 12.5 });
      expect(body.history).toHaveLength(5);
      expect(body.explanation.boundBy).toBe('share');
      await expectError(await call('/v1/agents/ghost'), 404, 'not_found');
      await expectError(await call('/v1/agents/bad%20id'), 400, 'invalid_agent');
      await expectError(await call(`/v1/agents/${'a'.repeat(65)}`), 400, 'invalid_agent');
      await expectError(await call('/v1/agents/%E0%A4%A'), 400, 'invalid_agent');
      await expectError(await call('/v1/agents/planner', { method: 'POST' }), 405, 'method_not_allowed');
    });

    it('POST /v1/tasks records the outcome and answers 202', async () => {
      const res = await send('POST', '/v1/tasks', { agent: 'coder', task: 't-1', completed: true, quality: 0.8 });
      expect(res.status).toBe(202);
      expect(backend.tasks).toEqual([{ agent: 'coder', task: 't-1', completed: true, quality: 0.8 }]);
      expect((await send('POST', '/v1/tasks', { agent: 'coder', task: 't-2', completed: false })).status).toBe(202);
      expect(backend.tasks[1]).toEqual({ agent: 'coder', task: 't-2', completed: false });
    });

    it('POST /v1/tasks refuses bad bodies with a code', async () => {
      const bad: [unknown, 'invalid_body' | 'invalid_agent'][] = [
        [{ agent: 'coder', task: 't', completed: true, quality: 1.5 }, 'invalid_body'],
        [{ agent: 'coder', task: 't', completed: true, quality: -0.1 }, 'invalid_body'],
        [{ agent: 'coder', completed: true }, 'invalid_body'],
        [{ agent: 'coder', task: 't', completed: 'yes' }, 'invalid_body'],
        [{ agent: 'coder', task: 't', completed: true, extra: 1 }, 'invalid_body'],
        [{ task: 't', completed: true }, 'invalid_body'],
        [[1, 2], 'invalid_body'],
        [{ agent: 'bad agent!', task: 't', completed: true }, 'invalid_agent'],
      ];
      for (const [body, code] of bad) {
        const res = await send('POST', '/v1/tasks', body);
        const err = await expectError(res, 400, code);
        expect(err.error.message.length, JSON.stringify(body)).toBeGreaterThan(0);
      }
      const quality = await expectError(
        await send('POST', '/v1/tasks', { agent: 'a', task: 't', completed: true, quality: 2 }),
        400,
        'invalid_body',
      );
      expect(quality.error.message).toContain('quality');
      await expectError(await call('/v1/tasks', { method: 'POST', body: '{not json' }), 400, 'invalid_body');
      await expectError(await call('/v1/tasks', { method: 'POST', body: '' }), 400, 'invalid_body');
      await expectError(await call('/v1/tasks'), 405, 'method_not_allowed');
      expect(backend.tasks).toHaveLength(0);
    });

    it('refuses bodies over the size limit with 413', async () => {
      const big = JSON.stringify({ agent: 'a', task: 'x'.repeat(70 * 1024), completed: true });
      await expectError(await call('/v1/tasks', { method: 'POST', body: big }), 413, 'body_too_large');
      // Chunked (no content-length): the limit holds while streaming too.
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          for (let i = 0; i < 20; i++) controller.enqueue(new TextEncoder().encode('x'.repeat(8 * 1024)));
          controller.close();
        },
      });
      const res = await call('/v1/tasks', { method: 'POST', body: stream, duplex: 'half' } as RequestInit);
      await expectError(res, 413, 'body_too_large');
      expect(backend.tasks).toHaveLength(0);
    });

    it('PUT /v1/overrides/{id} with ttlSeconds: expiry passed through, and the override lapses', async () => {
      const setAt = backend.now;
      const res = await send('PUT', '/v1/overrides/coder', { tokensPerMinute: 12_000, ttlSeconds: 60, reason: 'incident' });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({
        agent: 'coder',
        tokensPerMinute: 12_000,
        setAt: new Date(setAt).toISOString(),
        expiresAt: new Date(setAt + 60_000).toISOString(),
        reason: 'incident',
      });
      expect(backend.overrides.get('coder')).toMatchObject({ tokensPerMinute: 12_000, expiresAt: setAt + 60_000 });
      const during = (await (await call('/v1/agents/coder')).json()) as { override?: unknown; current: { boundBy: string } };
      expect(during.override).toBeDefined();
      expect(during.current.boundBy).toBe('override');

      backend.now = setAt + 61_000; // past the expiry: the backend stops applying it
      const after = (await (await call('/v1/agents/coder')).json()) as { override?: unknown; current: { boundBy: string } };
      expect(after.override).toBeUndefined();
      expect(after.current.boundBy).toBe('share');
      await expectError(await call('/v1/overrides/coder', { method: 'DELETE' }), 404, 'not_found');
    });

    it('PUT /v1/overrides/{id} with expiresAt passes the exact time; none means no expiry', async () => {
      const expiresAt = new Date(backend.now + 3_600_000).toISOString();
      const res = await send('PUT', '/v1/overrides/planner', { tokensPerMinute: 0, expiresAt });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { expiresAt: string }).expiresAt).toBe(expiresAt);
      expect(backend.overrides.get('planner')?.expiresAt).toBe(Date.parse(expiresAt));
      await send('PUT', '/v1/overrides/reviewer', { tokensPerMinute: 100 });
      expect(backend.overrides.get('reviewer')).toEqual({ tokensPerMinute: 100, setAt: backend.now });
    });

    it('PUT /v1/overrides/{id} refuses bad bodies', async () => {
      const past = new Date(backend.now - 1000).toISOString();
      for (const body of [
        { tokensPerMinute: -1 },
        { tokensPerMinute: 'lots' },
        {},
        { tokensPerMinute: 5, ttlSeconds: 0 },
        { tokensPerMinute: 5, ttlSeconds: 60, expiresAt: new Date(backend.now + 1e6).toISOString() },
        { tokensPerMinute: 5, expiresAt: 'tomorrow' },
        { tokensPerMinute: 5, expiresAt: past },
        { tokensPerMinute: 5, unknown: true },
        { usdPerMinute: 5 },
      ]) {
        await expectError(await send('PUT', '/v1/overrides/planner', body), 400, 'invalid_body');
      }
      await expectError(await send('PUT', '/v1/overrides/no%2Fslash', { tokensPerMinute: 5 }), 400, 'invalid_agent');
      expect(backend.overrides.size).toBe(0);
    });

    it('DELETE /v1/overrides/{id}: 204 when there was one, 404 when not', async () => {
      await send('PUT', '/v1/overrides/planner', { tokensPerMinute: 5 });
      const res = await call('/v1/overrides/planner', { method: 'DELETE' });
      expect(res.status).toBe(204);
      expect(await res.text()).toBe('');
      await expectError(await call('/v1/overrides/planner', { method: 'DELETE' }), 404, 'not_found');
      const wrong = await call('/v1/overrides/planner');
      await expectError(wrong, 405, 'method_not_allowed');
      expect(wrong.headers.get('allow')).toBe('PUT, DELETE');
    });

    it('PUT /v1/agents/{id}/policy validates the body and passes it on; DELETE clears it (404 when none)', async () => {
      for (const body of [{}, { ceiling: 'urgent' }, { criticality: 4 }, { ceiling: 'low', weight: 2 }, []]) {
        await expectError(await send('PUT', '/v1/agents/planner/policy', body), 400, 'invalid_body');
      }
      await expectError(await send('PUT', '/v1/agents/no%2Fslash/policy', { ceiling: 'low' }), 400, 'invalid_agent');
      await expectError(await send('PUT', '/v1/overrides/planner/policy', { ceiling: 'low' }), 404, 'not_found');
      expect(backend.policies.size).toBe(0);
      const res = await send('PUT', '/v1/agents/planner/policy', { ceiling: 'critical', criticality: 'high' });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ ceiling: 'critical', ceilingSource: 'runtime', criticality: 'high', criticalitySource: 'runtime' });
      expect(backend.policies.get('planner')).toEqual({ ceiling: 'critical', criticality: 'high' });
      expect((await call('/v1/agents/planner/policy', { method: 'DELETE' })).status).toBe(204);
      await expectError(await call('/v1/agents/planner/policy', { method: 'DELETE' }), 404, 'not_found');
      const wrong = await call('/v1/agents/planner/policy');
      await expectError(wrong, 405, 'method_not_allowed');
      expect(wrong.headers.get('allow')).toBe('PUT, DELETE');
    });

    it('POST /v1/reallocate returns the new table', async () => {
      const res = await call('/v1/reallocate', { method: 'POST' });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { agents: unknown[] }).agents).toHaveLength(3);
      expect(backend.reallocations).toBe(1);
    });

    it('GET /v1/history returns the points for the page', async () => {
      const res = await call('/v1/history');
      expect(res.status).toBe(200);
      const body = (await res.json()) as { tickSeconds: number; points: { agents: Record<string, unknown> }[] };
      expect(body.tickSeconds).toBe(30);
      expect(body.points).toHaveLength(5);
      expect(Object.keys(body.points[0]?.agents ?? {})).toEqual(['planner', 'coder', 'reviewer']);
    });

    it('POST /v1/config/reload answers what the backend applied, naming the client for the audit trail', async () => {
      const res = await call('/v1/config/reload', { method: 'POST' });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ applied: ['tokensPerMinute'], notReloadable: [], configHash: '0123456789abcdef' });
      await send('PUT', '/v1/overrides/planner', { tokensPerMinute: 5 });
      expect(backend.clients).toHaveLength(2);
      for (const client of backend.clients) expect(client).toMatch(/127\.0\.0\.1$/);
      expect((await call('/v1/config/reload')).status).toBe(405);
    });

    it('GET /v1/audit reads 100 entries by default, ?limit=N up to 1000, and refuses any other limit', async () => {
      expect((await call('/v1/audit')).status).toBe(200);
      expect((await call('/v1/audit?limit=7')).status).toBe(200);
      expect((await call('/v1/audit?limit=1000')).status).toBe(200);
      expect(backend.auditLimits).toEqual([100, 7, 1000]);
      for (const bad of ['0', '1001', '2.5', 'ten', '', '-1']) {
        const err = await expectError(await call(`/v1/audit?limit=${bad}`), 400, 'invalid_query');
        expect(err.error.message).toContain('limit');
      }
      expect(backend.auditLimits).toHaveLength(3);
      expect((await fetch(`${admin.url}/v1/audit`)).status).toBe(401);
    });

    it('answers 500 internal without leaking the cause, and logs it', async () => {
      backend.failNext = new Error('database exploded at /secret/path');
      const err = await expectError(await call('/v1/allocations'), 500, 'internal');
      expect(err.error.message).toBe('internal error');
      expect(admin.logs.join('')).toContain('database exploded');
    });
  });
});

describe('admin handler without a token', () => {
  it('opens /v1/* (the server binds it to loopback) and tells the page no token is needed', async () => {
    const backend = new FakeBackend();
    const admin = await startAdmin(backend, { token: '' });
    try {
      expect((await fetch(`${admin.url}/v1/allocations`)).status).toBe(200);
      expect(await (await fetch(`${admin.url}/`)).text()).toContain('data-auth="none"');
    } finally {
      await admin.close();
    }
  });
});

describe('admin handler in dollars (unit usd)', () => {
  it('an override takes usdPerMinute; tokensPerMinute, or both, is a 400 naming the unit', async () => {
    const backend = new FakeBackend();
    const admin = await startAdmin(backend, { token: '', unit: 'usd' });
    const put = (body: unknown) => fetch(`${admin.url}/v1/overrides/planner`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    try {
      const wrong = await put({ tokensPerMinute: 5000 });
      expect(wrong.status).toBe(400);
      expect(((await wrong.json()) as { error: { code: string; message: string } }).error).toMatchObject({ code: 'invalid_body', message: "usdPerMinute: required (the budget's unit is usd)" });
      expect((await put({ tokensPerMinute: 5000, usdPerMinute: 1 })).status).toBe(400);
      expect(backend.overrides.size).toBe(0);
      expect((await put({ usdPerMinute: 0.25 })).status).toBe(200);
      expect(backend.overrides.get('planner')).toMatchObject({ tokensPerMinute: 0.25 });
    } finally {
      await admin.close();
    }
  });
});

describe('status page script', () => {
  it('is valid JavaScript', () => {
    expect(() => new Script(STATUS_PAGE_SCRIPT)).not.toThrow();
  });
});
