import { approximateTokenCount, parseBehaviourHeader, type MockProvider, type RecordedRequest } from '../../src/mock/index.js';
import { maxOutputTokens, planGeneration } from '../../src/mock/generation.js';
import { promptTokens } from '../../src/mock/prompt-tokens.js';

/** Tokens the mock provider reported for one request. */
export interface ReportedUsage {
  input: number;
  output: number;
}

/**
 * The usage the mock reported in its reply to `recorded` (a chat completion it answered in full), worked out
 * from what it received with its own pure counting — the provider's truth, independent of the proxy's records.
 * Undefined when the mock sent no usage: an injected error or the reply cut before its end.
 */
export function reportedChatUsage(mock: MockProvider, recorded: RecordedRequest): ReportedUsage | undefined {
  if (recorded.aborted || typeof recorded.json !== 'object' || recorded.json === null) return undefined;
  const header = recorded.headers['x-mock-behaviour'];
  const patch = typeof header === 'string' ? parseBehaviourHeader(header) : {};
  if (typeof patch === 'string') return undefined;
  const behaviour = { ...mock.behaviour, ...patch };
  if (behaviour.fault !== 'none' && behaviour.fault !== 'slow') return undefined;
  const body = recorded.json as Record<string, unknown>;
  return {
    input: promptTokens('/v1/chat/completions', body, approximateTokenCount),
    output: planGeneration(behaviour, maxOutputTokens(body)).outputTokens,
  };
}
