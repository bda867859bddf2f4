/** The mock LLM provider's public surface (used by tests, the demo, the benchmarks and `token-ninja mock`). */
export { startMockProvider, type MockProvider, type MockProviderOptions, type RecordedRequest } from './server.js';
export { runMockProviderCommand, type CommandIo } from './command.js';
export { BEHAVIOUR_HEADER, BEHAVIOR_HEADER, DEFAULT_BEHAVIOUR, FAULTS, parseBehaviourHeader, type Fault, type MockBehaviour } from './behaviour.js';
export { approximateTokenCount, type TokenCounter } from './prompt-tokens.js';
export { MOCK_MODELS } from './openai-models.js';
