/** Metered routes, by their path after any `/agents/{id}` prefix. */
export type MeteredRoute =
  | '/v1/chat/completions'
  | '/v1/completions'
  | '/v1/responses'
  | '/v1/embeddings'
  | '/v1/messages';
