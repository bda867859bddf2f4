/** Environment variables (DESIGN §2) and the config keys they set. */
export const ENV_VARS = {
  TOKEN_NINJA_PORT: 'port',
  TOKEN_NINJA_ADMIN_PORT: 'adminPort',
  TOKEN_NINJA_HOST: 'host',
  TOKEN_NINJA_OPENAI_URL: 'openaiUrl',
  TOKEN_NINJA_ANTHROPIC_URL: 'anthropicUrl',
  TOKEN_NINJA_OPENAI_API_KEY: 'openaiApiKey',
  TOKEN_NINJA_ANTHROPIC_API_KEY: 'anthropicApiKey',
  TOKEN_NINJA_TOKENS_PER_MINUTE: 'tokensPerMinute',
  TOKEN_NINJA_UNIT: 'unit',
  TOKEN_NINJA_USD_PER_MINUTE: 'usdPerMinute',
  TOKEN_NINJA_REALLOCATE_SECONDS: 'reallocateSeconds',
  TOKEN_NINJA_STORE: 'store',
  TOKEN_NINJA_ADMIN_TOKEN: 'adminToken',
  TOKEN_NINJA_AGENT: 'agent',
  TOKEN_NINJA_STORE_FAILURE: 'storeFailure',
  TOKEN_NINJA_MODE: 'mode',
  TOKEN_NINJA_LOG_LEVEL: 'logLevel',
  TOKEN_NINJA_MAX_BODY_BYTES: 'maxBodyBytes',
  TOKEN_NINJA_UPSTREAM_TIMEOUT_MS: 'upstreamTimeoutMs',
  TOKEN_NINJA_DRAIN_TIMEOUT_MS: 'drainTimeoutMs',
} as const;

export type EnvVarName = keyof typeof ENV_VARS;

/** Keys whose env/flag value is a number. */
export const NUMERIC_KEYS: ReadonlySet<string> = new Set([
  'port',
  'adminPort',
  'tokensPerMinute',
  'usdPerMinute',
  'reallocateSeconds',
  'maxBodyBytes',
  'upstreamTimeoutMs',
  'drainTimeoutMs',
  'storeFlushMs',
  'maxAgentLabels',
  'defaultOutputTokens',
  'headroom',
  'floorTokensPerMinute',
  'floorUsdPerMinute',
  'scoringWindowSeconds',
  'trustSelfReportedQuality',
]);

/** Keys whose env/flag value is a boolean. */
export const BOOLEAN_KEYS: ReadonlySet<string> = new Set(['requireAgent', 'clampMaxTokens', 'allowUnauthenticated']);
