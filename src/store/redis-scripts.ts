/**
 * Lua run inside Redis where a read-modify-write must be atomic across processes. The arithmetic mirrors
 * `burst-pool.ts` (the contract suite holds both to the same results); TypeScript sanitises the inputs.
 * Lua 5.1 numbers are doubles, printed with 14 significant digits: ample for token counts.
 */

/** KEYS[1] pool; ARGV capacity, amount, ttl ms → tokens granted (as a string, to keep fractions). */
export const BURST_TAKE = `
local cap = tonumber(ARGV[1])
local amount = tonumber(ARGV[2])
local stored = redis.call('GET', KEYS[1])
local available = cap
if stored then available = math.min(math.max(tonumber(stored) or 0, 0), cap) end
local granted = math.min(available, amount)
redis.call('SET', KEYS[1], tostring(available - granted), 'PX', ARGV[3])
return tostring(granted)
`;

/** KEYS[1] pool; ARGV capacity, amount, ttl ms → new balance, never above capacity. */
export const BURST_RETURN = `
local cap = tonumber(ARGV[1])
local amount = tonumber(ARGV[2])
local stored = redis.call('GET', KEYS[1])
local available = cap
if stored then available = math.min(math.max(tonumber(stored) or 0, 0), cap) end
local balance = math.min(cap, available + amount)
redis.call('SET', KEYS[1], tostring(balance), 'PX', ARGV[3])
return tostring(balance)
`;

/** KEYS[1] first-seen hash; ARGV agent, ms pairs: keep the earliest time per agent (sidecar clocks may disagree). */
export const TOUCH_AGENTS = `
for i = 1, #ARGV, 2 do
  local known = redis.call('HGET', KEYS[1], ARGV[i])
  if (not known) or tonumber(known) > tonumber(ARGV[i + 1]) then
    redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
  end
end
return 0
`;
