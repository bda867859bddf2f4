import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { describe, expect, it } from 'vitest';
import { IdentityResolver } from '../../src/proxy/identity.js';
import { proxyErrorOf } from './proxy-error-of.js';

/** Who a request is (DESIGN §3/§8): a fixed agent (sidecar, mapped key) is authoritative; else header, prefix, anonymous. */

const PLANNER_KEY = 'sk-planner-1';
const WRITER_KEY = 'sk-writer-2';
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const apiKeys = [
  { sha256: sha256(PLANNER_KEY), agent: 'planner' },
  { sha256: sha256(WRITER_KEY), agent: 'writer' },
];

const gateway = new IdentityResolver({ agent: undefined, requireAgent: false, apiKeys });
const sidecar = new IdentityResolver({ agent: 'planner', requireAgent: false, apiKeys });
const strict = new IdentityResolver({ agent: undefined, requireAgent: true, apiKeys });


const bearer = (key: string): IncomingHttpHeaders => ({ authorization: `Bearer ${key}` });

describe('IdentityResolver', () => {
  it('gateway: header, then prefix, then anonymous (or agent_required)', () => {
    expect(gateway.resolve({ 'x-token-ninja-agent': 'h' }, 'p')).toEqual({ agent: 'h', source: 'header' });
    expect(gateway.resolve({}, 'p')).toEqual({ agent: 'p', source: 'path' });
    expect(gateway.resolve({}, undefined)).toEqual({ agent: 'anonymous', source: 'anonymous' });
    expect(gateway.resolve(bearer('sk-unmapped'), undefined)).toEqual({ agent: 'anonymous', source: 'anonymous' });
    expect(proxyErrorOf(() => strict.resolve({}, undefined))).toBe('400 agent_required');
    expect(proxyErrorOf(() => gateway.resolve({ 'x-token-ninja-agent': 'bad id' }, undefined))).toBe('400 invalid_agent');
  });

  it('a mapped key fixes the agent, by bearer or x-api-key', () => {
    expect(gateway.resolve(bearer(PLANNER_KEY), undefined)).toEqual({ agent: 'planner', source: 'api_key' });
    expect(gateway.resolve({ 'x-api-key': WRITER_KEY }, undefined)).toEqual({ agent: 'writer', source: 'api_key' });
    expect(strict.resolve(bearer(PLANNER_KEY), undefined).agent).toBe('planner');
    expect(gateway.keyAgent(bearer(PLANNER_KEY))).toBe('planner');
    expect(gateway.keyAgent(bearer('sk-unmapped'))).toBeUndefined();
  });

  it('a mapped key: naming the same agent is fine, another is 403 agent_mismatch', () => {
    expect(gateway.resolve({ ...bearer(PLANNER_KEY), 'x-token-ninja-agent': 'planner' }, 'planner').agent).toBe('planner');
    expect(proxyErrorOf(() => gateway.resolve({ ...bearer(PLANNER_KEY), 'x-token-ninja-agent': 'writer' }, undefined))).toBe('403 agent_mismatch');
    expect(proxyErrorOf(() => gateway.resolve(bearer(PLANNER_KEY), 'writer'))).toBe('403 agent_mismatch');
    expect(proxyErrorOf(() => gateway.resolve({ ...bearer(PLANNER_KEY), 'x-token-ninja-agent': 'planner' }, 'writer'))).toBe('403 agent_mismatch');
  });

  it('sidecar: the configured agent; another named by header, prefix or mapped key is 403', () => {
    expect(sidecar.resolve({}, undefined)).toEqual({ agent: 'planner', source: 'sidecar' });
    expect(sidecar.resolve({ 'x-token-ninja-agent': 'planner' }, 'planner')).toEqual({ agent: 'planner', source: 'sidecar' });
    expect(sidecar.resolve(bearer(PLANNER_KEY), undefined)).toEqual({ agent: 'planner', source: 'sidecar' });
    // The agent's own provider key (not in the map) is no claim at all.
    expect(sidecar.resolve(bearer('sk-agents-own'), undefined).agent).toBe('planner');
    expect(proxyErrorOf(() => sidecar.resolve({ 'x-token-ninja-agent': 'writer' }, undefined))).toBe('403 agent_mismatch');
    expect(proxyErrorOf(() => sidecar.resolve({}, 'writer'))).toBe('403 agent_mismatch');
    // The sidecar outranks a mapped key of another agent.
    expect(proxyErrorOf(() => sidecar.resolve(bearer(WRITER_KEY), undefined))).toBe('403 agent_mismatch');
    expect(proxyErrorOf(() => sidecar.resolve({ 'x-api-key': WRITER_KEY }, 'planner'))).toBe('403 agent_mismatch');
  });

  it('an invalid header id is a 400 even where the agent is fixed', () => {
    expect(proxyErrorOf(() => sidecar.resolve({ 'x-token-ninja-agent': 'bad id' }, undefined))).toBe('400 invalid_agent');
  });
});
