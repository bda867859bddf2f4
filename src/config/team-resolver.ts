import { DEFAULT_TEAM, type TeamOf } from '../domain/team.js';
import type { Config } from './schema.js';

/** Resolutions kept per agent id before the cache starts over (ids are free for clients to invent). */
const MAX_CACHED_AGENTS = 10_000;

/** A config pattern as a test: an exact id, or a glob (`*` any run of characters, `?` one). */
function matcher(pattern: string): (agent: string) => boolean {
  if (!/[*?]/.test(pattern)) return (agent) => agent === pattern;
  const source = pattern.replace(/[.*?-]/g, (c) => (c === '*' ? '.*' : c === '?' ? '.' : `\\${c}`));
  const re = new RegExp(`^${source}$`);
  return (agent) => re.test(agent);
}

/**
 * An agent's team from config `teams` (DESIGN §9): the first team, in config order, one of whose patterns
 * matches the id; no match: `default`. Resolutions are cached per id, the cache bounded.
 */
export function teamResolver(teams: Config['teams'], maxCached = MAX_CACHED_AGENTS): TeamOf {
  const rules = Object.entries(teams).flatMap(([team, t]) => t.agents.map((p) => ({ team, matches: matcher(p) })));
  if (rules.length === 0) return () => DEFAULT_TEAM;
  const cache = new Map<string, string>();
  return (agent) => {
    let team = cache.get(agent);
    if (team !== undefined) return team;
    team = rules.find((r) => r.matches(agent))?.team ?? DEFAULT_TEAM;
    if (cache.size >= maxCached) cache.clear();
    cache.set(agent, team);
    return team;
  };
}
