import { modelNameCandidates } from './model-name.js';
import { DEFAULT_RATES, type PriceRates } from './model-price.js';

/** Config `prices`: rates per model name that replace the book's, key by key; the `default` entry prices unknown models. */
export type PriceOverrides = Readonly<Record<string, PriceRates>>;

/** The key of `prices` that prices models nothing else names. */
const DEFAULT_PRICE_KEY = 'default';

/** Rates a model is looked up with: a name's first candidate that has rates. */
export function ratesFor(rates: ReadonlyMap<string, PriceRates>, model: string): PriceRates | undefined {
  for (const name of modelNameCandidates(model)) {
    const found = rates.get(name);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** Only the rates that are set: an override's missing key must not hide the value it falls back to. */
function setRates(rates: PriceRates): PriceRates {
  const out: PriceRates = {};
  for (const [k, v] of Object.entries(rates) as [keyof PriceRates, number | undefined][]) if (v !== undefined) out[k] = v;
  return out;
}

/**
 * The book's rates with config's applied: each overridden key replaces the value the model had — the book's
 * entry for it (its family's, for a dated snapshot the book does not price apart), else the default's. Families
 * are applied before their snapshots, so a negotiated family rate carries into a snapshot override.
 */
export function mergeRates(book: Readonly<Record<string, PriceRates>>, overrides: PriceOverrides): { rates: Map<string, PriceRates>; fallback: PriceRates } {
  const { [DEFAULT_PRICE_KEY]: defaultOverride, ...models } = overrides;
  const fallback = { ...DEFAULT_RATES, ...setRates(defaultOverride ?? {}) };
  const rates = new Map<string, PriceRates>(Object.entries(book).map(([name, r]) => [name.toLowerCase(), r]));
  const ordered = Object.entries(models).sort(([a], [b]) => modelNameCandidates(a).length - modelNameCandidates(b).length);
  for (const [name, override] of ordered) {
    const base = ratesFor(rates, name) ?? fallback;
    rates.set(name.trim().toLowerCase(), { ...base, ...setRates(override) });
  }
  return { rates, fallback };
}
