/** The `model` member of a provider's reply object (both formats name the answering model there), if it is a string. */
export function responseModelOf(reply: unknown): string | undefined {
  if (typeof reply !== 'object' || reply === null || Array.isArray(reply)) return undefined;
  const model = (reply as Record<string, unknown>).model;
  return typeof model === 'string' ? model : undefined;
}
