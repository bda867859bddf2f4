import { AGENT_ID_PATTERN, AGENT_ID_RULE } from '../domain/agent-id.js';
import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Config } from '../config/schema.js';
import { ProxyError } from './errors.js';

/** How the agent of a request was determined (DESIGN §3, §8). */
export type IdentitySource = 'sidecar' | 'api_key' | 'header' | 'path' | 'anonymous';

export interface Identity {
  agent: string;
  source: IdentitySource;
}

/**
 * Resolves agent identity. An agent fixed by the deployment (the sidecar's `agent`, else a presented key
 * from the `apiKeys` map) is authoritative: a header, prefix or mapped key naming another agent is refused
 * (403 `agent_mismatch`), since otherwise any caller could spend another agent's budget. Where nothing is
 * fixed, the header names the agent, then the prefix. The map holds only sha256 hashes of keys.
 */
export class IdentityResolver {
  private readonly keyMap: ReadonlyMap<string, string>;

  constructor(private readonly config: Pick<Config, 'agent' | 'requireAgent' | 'apiKeys'>) {
    this.keyMap = new Map(config.apiKeys.map((k) => [k.sha256, k.agent]));
  }

  /** The agent of the presented API key when the key is in the `apiKeys` map (a virtual key), else undefined. */
  keyAgent(headers: IncomingHttpHeaders): string | undefined {
    if (this.keyMap.size === 0) return undefined;
    const key = apiKeyOf(headers);
    return key === undefined ? undefined : this.keyMap.get(createHash('sha256').update(key).digest('hex'));
  }

  /** `keyAgent` is `this.keyAgent(headers)`, passed in by callers that already looked it up. */
  resolve(headers: IncomingHttpHeaders, agentFromPath: string | undefined, keyAgent = this.keyAgent(headers)): Identity {
    const fromHeader = headerAgent(headers);
    const fixed: Identity | undefined =
      this.config.agent !== undefined
        ? { agent: this.config.agent, source: 'sidecar' }
        : keyAgent !== undefined
          ? { agent: keyAgent, source: 'api_key' }
          : undefined;
    if (fixed !== undefined) {
      // The sidecar outranks a mapped key: the deployment knows which agent runs in the pod.
      mustMatch(fixed, keyAgent, 'the presented API key');
      mustMatch(fixed, fromHeader, 'x-token-ninja-agent');
      mustMatch(fixed, agentFromPath, 'the /agents/{id}/ prefix');
      return fixed;
    }
    if (fromHeader !== undefined) return { agent: fromHeader, source: 'header' };
    if (agentFromPath !== undefined) return { agent: agentFromPath, source: 'path' };
    if (this.config.requireAgent) {
      throw new ProxyError('agent_required', 'this proxy requires an agent: send x-token-ninja-agent or use the /agents/{id}/ prefix');
    }
    return { agent: 'anonymous', source: 'anonymous' };
  }
}

function mustMatch(fixed: Identity, named: string | undefined, what: string): void {
  if (named === undefined || named === fixed.agent) return;
  const by = fixed.source === 'sidecar' ? 'this sidecar' : 'the presented API key';
  throw new ProxyError('agent_mismatch', `${what} names agent "${named}", but requests here are agent "${fixed.agent}" (fixed by ${by})`);
}

function headerAgent(headers: IncomingHttpHeaders): string | undefined {
  const header = headers['x-token-ninja-agent'];
  if (header === undefined) return undefined;
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || !AGENT_ID_PATTERN.test(value)) {
    throw new ProxyError('invalid_agent', `x-token-ninja-agent ${AGENT_ID_RULE}`);
  }
  return value;
}

function apiKeyOf(headers: IncomingHttpHeaders): string | undefined {
  const xKey = headers['x-api-key'];
  if (typeof xKey === 'string' && xKey.length > 0) return xKey;
  const auth = headers.authorization;
  if (typeof auth === 'string' && /^bearer /i.test(auth)) return auth.slice(7).trim();
  return undefined;
}
