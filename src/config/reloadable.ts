import { hash } from 'node:crypto';
import { canonicalJson } from '../domain/canonical-json.js';
import type { Config } from './schema.js';
import { unitOf } from './unit.js';

/**
 * Top-level config keys a reload applies at once (DESIGN §10); every other key needs a restart. A new
 * reloadable setting is one line here plus reading it through the live config (src/app/live-config.ts).
 */
export const RELOADABLE_KEYS = [
  'tokensPerMinute',
  'priority',
  'agents',
  'calibration',
  'queue',
  'burst',
  'baseline',
  'demandWeights',
  'newcomers',
  'headroom',
  'floorTokensPerMinute',
  'scoringWindowSeconds',
  'usdPerMinute',
  'floorUsdPerMinute',
  'prices',
  'teams',
  'caps',
  'alerts',
] as const satisfies readonly (keyof Config)[];

/**
 * Keys that decide the budget's unit. The unit itself needs a restart: buckets, reservations in flight,
 * usage history and forecasts are all kept in it, and a reload cannot convert them. A file that would change
 * the unit (e.g. adding `usdPerMinute` to a token budget) leaves these keys as they run and names `unit`.
 */
const UNIT_KEYS = ['unit', 'usdPerMinute', 'floorUsdPerMinute'] as const satisfies readonly (keyof Config)[];

/** A key a reload applies. */
export type ReloadableKey = (typeof RELOADABLE_KEYS)[number];

const RELOADABLE: ReadonlySet<string> = new Set(RELOADABLE_KEYS);

/** What a reload changes: the reloadable keys it applies and the changed keys that wait for a restart. */
export interface ConfigChanges {
  applied: string[];
  notReloadable: string[];
}

/** Top-level keys whose value differs between two validated configs, split by whether a reload applies them; sorted. */
export function configChanges(running: Config, next: Config): ConfigChanges {
  const keys = [...new Set([...Object.keys(running), ...Object.keys(next)])].sort();
  const unitChanges = unitOf(running) !== unitOf(next);
  const changes: ConfigChanges = { applied: [], notReloadable: [] };
  for (const key of keys) {
    if (unitChanges && (UNIT_KEYS as readonly string[]).includes(key)) continue;
    if (canonicalJson(running[key as keyof Config]) === canonicalJson(next[key as keyof Config])) continue;
    (RELOADABLE.has(key) ? changes.applied : changes.notReloadable).push(key);
  }
  if (unitChanges) changes.notReloadable = [...changes.notReloadable, 'unit'].sort();
  return changes;
}

/** The running config with the reloadable keys taken from `next`: what a reload puts in force. */
export function withReloaded(running: Config, next: Config): Config {
  const merged: Record<string, unknown> = { ...running };
  for (const key of RELOADABLE_KEYS) merged[key] = next[key];
  if (unitOf(running) !== unitOf(next)) for (const key of UNIT_KEYS) merged[key] = running[key];
  return Object.freeze(merged) as Config;
}

/**
 * A stable hash of the reloadable part of a config (canonical JSON, sha256, first 16 hex digits): proxies
 * of a fleet with the same policy show the same hash, whatever key order their files use.
 */
export function configHash(config: Config): string {
  const reloadable: Record<string, unknown> = {};
  for (const key of RELOADABLE_KEYS) reloadable[key] = config[key];
  return hash('sha256', canonicalJson(reloadable), 'hex').slice(0, 16);
}
