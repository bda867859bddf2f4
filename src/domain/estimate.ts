/** What admission reserves for a request before it is forwarded. */
export interface Estimate {
  model: string;
  encoding: string;
  inputTokens: number;
  outputTokens: number;
  /** Where the output figure came from. */
  outputSource: 'request' | 'recent' | 'default';
}

/** Context the estimator may use beyond the body. */
export interface EstimateContext {
  /** Recent typical output size for this agent and model, if known. */
  recentOutputTokens?: number;
  defaultOutputTokens: number;
}
