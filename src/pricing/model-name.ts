/** A router-style provider prefix such as `openai/` or `anthropic/`. */
const PROVIDER_PREFIX = /^[a-z0-9_.-]+\//;
const LATEST_SUFFIX = /-latest$/;
/** A dated snapshot suffix as OpenAI (`-2024-08-06`) and Anthropic (`-20250929`) write them. */
const DATE_SUFFIX = /-(\d{4}-\d{2}-\d{2}|\d{8})$/;

/**
 * The names to look a model up by, most specific first: the name as given (lower case), then without a
 * provider prefix, without `-latest`, and without a date suffix — so a dated snapshot resolves to its family
 * unless the book prices it apart under its own name.
 */
export function modelNameCandidates(model: string): string[] {
  let name = model.trim().toLowerCase();
  const names = [name];
  for (const strip of [PROVIDER_PREFIX, LATEST_SUFFIX, DATE_SUFFIX]) {
    const next = name.replace(strip, '');
    if (next === name || next === '') continue;
    names.push(next);
    name = next;
  }
  return names;
}
