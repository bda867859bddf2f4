import { AGENT_ID_PATTERN, AGENT_ID_RULE } from '../config/agent-id.js';
import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Config } from '../config/schema.js';
import { ProxyError } from './errors.js';

/** How the agent of a request was determined (DESIGN §3, first that applies). */
export type IdentitySource = 'header' | 'path' | 'sidecar' | 'api_key' | 'anonymous';

export interface Identity {
  agent: string;
  source: IdentitySource;
}

/** Resolves agent identity; the API-key map holds only sha256 hashes of keys. */
export class IdentityResolver {
  private readonly keyMap: ReadonlyMap<string, string>;

  constructor(private readonly config: Pick<Config, 'agent' | 'requireAgent' | 'apiKeys'>) {
    this.keyMap = new Map(config.apiKeys.map((k) => [k.sha256, k.agent]));
  }

  resolve(headers: IncomingHttpHeaders, agentFromPath: string | undefined): Identity {
    const header = headers['x-token-ninja-agent'];
    if (header !== undefined) {
      const value = Array.isArray(header) ? header[0] : header;
      if (value === undefined || !AGENT_ID_PATTERN.test(value)) {
        throw new ProxyError('invalid_agent', `x-token-ninja-agent ${AGENT_ID_RULE}`);
      }
      return { agent: value, source: 'header' };
    }
    if (agentFromPath !== undefined) return { agent: agentFromPath, source: 'path' };
    if (this.config.agent !== undefined) return { agent: this.config.agent, source: 'sidecar' };
    if (this.keyMap.size > 0) {
      const key = apiKeyOf(headers);
      if (key !== undefined) {
        const agent = this.keyMap.get(createHash('sha256').update(key).digest('hex'));
        if (agent !== undefined) return { agent, source: 'api_key' };
      }
    }
    if (this.config.requireAgent) {
      throw new ProxyError('agent_required', 'this proxy requires an agent: send x-token-ninja-agent or use the /agents/{id}/ prefix');
    }
    return { agent: 'anonymous', source: 'anonymous' };
  }
}

function apiKeyOf(headers: IncomingHttpHeaders): string | undefined {
  const xKey = headers['x-api-key'];
  if (typeof xKey === 'string' && xKey.length > 0) return xKey;
  const auth = headers.authorization;
  if (typeof auth === 'string' && /^bearer /i.test(auth)) return auth.slice(7).trim();
  return undefined;
}
